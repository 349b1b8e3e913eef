/**
 * The Dockerfile read as Docker reads it, for the specs that check the image without Docker: its
 * stages by name, each with its instructions (continuation lines joined, comments left out).
 */
import { readFileSync } from "node:fs";

export interface Instruction {
  /** Upper case: FROM, ENV, COPY, RUN, CMD, ... */
  op: string;
  args: string;
}

export interface Stage {
  name: string;
  from: string;
  instructions: Instruction[];
}

export function readDockerfile(path = new URL("../../Dockerfile", import.meta.url)): Stage[] {
  const text = readFileSync(path, "utf8").replace(/\\\n/g, " ");
  const stages: Stage[] = [];
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Za-z]+)\s+(.*)$/.exec(line);
    if (!match || line.trimStart().startsWith("#")) continue;
    const op = (match[1] as string).toUpperCase();
    const args = (match[2] as string).replace(/\s+/g, " ").trim();
    if (op === "FROM") {
      const [from = "", , name = `stage-${stages.length}`] = args.split(" ");
      stages.push({ name, from, instructions: [] });
    } else {
      stages.at(-1)?.instructions.push({ op, args });
    }
  }
  return stages;
}

/** The stage's instructions of one kind, in order. */
export function argsOf(stage: Stage, op: string): string[] {
  return stage.instructions.filter((i) => i.op === op).map((i) => i.args);
}

/** An exec-form command (`["node", "x.mjs"]`), after any options such as HEALTHCHECK's. */
export function execForm(args: string): string[] {
  const json = /(\[.*\])$/.exec(args)?.[1];
  if (json === undefined) throw new Error(`not an exec-form command: ${args}`);
  return JSON.parse(json) as string[];
}

/** The stage's ENV as one record (`ENV A=1 B=2` lines). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const args of argsOf(stage, "ENV")) {
    for (const pair of args.split(" ")) {
      const at = pair.indexOf("=");
      if (at > 0) env[pair.slice(0, at)] = pair.slice(at + 1);
    }
  }
  return env;
}
