/**
 * The CSV import (`npm run import`, src/import/main.ts) run as a child process with a clean
 * environment, its result file read back, and a per-test fixture: a temporary directory, harnesses
 * and processes, all cleaned up after each test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseCsv } from "csv-parse/sync";
import { afterEach, beforeEach, expect } from "vitest";
import type { RowResult } from "../../src/import/results.js";
import { type Harness, startHarness } from "./harness.js";
import { type Expected, SIMULATOR } from "./import-data.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const children: ChildProcess[] = [];

export function startCli(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<CliRun> } {
  // A clean environment, so a developer's own IMPORT_* settings cannot leak in.
  const child = spawn(process.execPath, ["--import", "tsx", "src/import/main.ts", ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<CliRun>((resolve) => {
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done };
}

export function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}

export function cliEnv(h: Harness, extra: Record<string, string> = {}): Record<string, string> {
  return {
    IMPORT_GATEWAY_URL: `${h.url}/graphql`,
    IMPORT_CHUNK_SIZE: "100",
    IMPORT_RETRY_DELAY_MS: "20",
    ...extra,
  };
}

/** A result file's row as read back; the file's own header is checked in `readResults`. */
export type ResultRow = Pick<
  RowResult,
  "line" | "packageId" | "result" | "code" | "message" | "outcomeKnown"
>;

export async function readResults(path: string): Promise<ResultRow[]> {
  const [header, ...records] = parseCsv(await readFile(path, "utf8")) as string[][];
  expect(header).toStrictEqual(["line", "package_id", "result", "code", "message", "outcome_known"]);
  return records.map((fields) => {
    const [line = "", packageId = "", result = "", code = "", message = "", known = ""] = fields;
    return { line: Number(line), packageId, result, code, message, outcomeKnown: known === "true" };
  });
}

export function expectResults(rows: ResultRow[], expected: Expected[]): void {
  expect(rows.map(({ line, packageId, result, code }) => ({ line, packageId, result, code }))).toStrictEqual(
    expected.map(({ line, packageId, result, code }) => ({ line, packageId, result, code })),
  );
}

export const cleanups: Array<() => Promise<unknown> | unknown> = [];

export async function journalLines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l.trim() !== "");
}

export async function waitFor(
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export async function spawnGateway(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "info", OMS_SHIPMENT_TRANSITIONS: "41", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  let output = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c.toString();
  });
  await waitFor(
    "the gateway to listen",
    () => /"graphql":"http/.test(output) || child.exitCode !== null,
    30_000,
  );
  if (child.exitCode !== null) throw new Error(`the gateway exited:\n${output}`);
  return child;
}

export interface ImportRunFixture {
  /** This test's temporary directory. */
  dir(): string;
  /** A simulator and an in-process gateway in front of it, closed after the test. */
  harness(simulator?: { latencyMs?: number }, env?: Record<string, string>): Promise<Harness>;
  /** Writes a file into this test's directory and returns its path. */
  writeInput(name: string, text: string | Buffer): Promise<string>;
}

/** Call inside a describe: each test gets a fresh directory; its processes and servers end with it. */
export function useImportRun(): ImportRunFixture {
  let dir = "";
  const harnesses: Harness[] = [];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "oms-import-"));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    async harness(simulator = {}, env = {}) {
      const h = await startHarness({ BULK_MAX_ITEMS: "500", ...env }, { ...SIMULATOR, ...simulator });
      harnesses.push(h);
      return h;
    },
    async writeInput(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
  };
}
