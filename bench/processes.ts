/**
 * Child processes of the benchmark scripts: started from the repository root with a bare
 * environment, optionally pinned to one core, and all stopped together at the end.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { cpus } from "node:os";

export const ROOT = new URL("..", import.meta.url).pathname;

/** Whether processes can be pinned: `taskset` exists and there are two cores to spread over. */
export const PINNING = existsSync("/usr/bin/taskset") && cpus().length >= 2;

/** The gateway's runtime flags, as the Dockerfile's CMD and `npm start` give them. */
export const GATEWAY_FLAGS = ["--max-semi-space-size=32"];

const children: ChildProcess[] = [];

/**
 * Starts `node <args>` with only PATH and `env` in its environment, stdout piped. With `core`,
 * and where pinning is possible, the process runs on that core alone.
 */
export function startNode(args: string[], env: Record<string, string> = {}, core?: number): ChildProcess {
  const argv = [process.execPath, ...args];
  const [command, ...rest] = core !== undefined && PINNING ? ["taskset", "-c", String(core), ...argv] : argv;
  const child = spawn(command as string, rest, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  return child;
}

/** The first line of a child's stdout that is a JSON object (how the helpers say they are ready). */
export async function firstJsonLine(child: ChildProcess): Promise<Record<string, string>> {
  let text = "";
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    text += chunk.toString();
    const line = text.split("\n").find((l) => l.startsWith("{"));
    if (line) {
      child.stdout?.resume();
      return JSON.parse(line);
    }
  }
  throw new Error("process ended before it was ready");
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((l) => l.startsWith("VmRSS:"));
  return Math.round(Number(line?.replace(/\D+/g, "")) / 1024);
}

export function stopAll(): void {
  for (const child of children) child.kill("SIGTERM");
}
