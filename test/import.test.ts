/**
 * The CSV import (`npm run import`) run as a child process against a real gateway and OMS simulator
 * on loopback: results per row, interruption and resume, replay from the gateway's idempotency
 * store, and what is commanded at the simulator across runs. Plus the CSV reader and writer alone.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadImportConfig } from "../src/config.js";
import { formatCsv, formatCsvRow, parseCsv } from "../src/tools/import/csv.js";
import { ProgressReporter } from "../src/tools/import/progress.js";
import { ImportFileError, toImportRows } from "../src/tools/import/rows.js";
import { type ImportOptions, runImport } from "../src/tools/import/run.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const HEADER = "package_id,cargo_company_id,tracking_number,query_number";
const SIMULATOR = { maxRecordedRequests: 100_000 };

interface Expected {
  line: number;
  packageId: string;
  result: string;
  code: string;
  /** The row reaches the OMS as a command. */
  commanded: boolean;
}

/**
 * 1,000 rows for packages 2000–2999 with cargo companies 1–8, CRLF line ends and a byte order mark,
 * and a few rows that must not become a plain update.
 */
function buildImport(): { csv: string; expected: Expected[] } {
  const lines = [HEADER];
  const expected: Expected[] = [];
  let line = 2;
  for (let i = 0; i < 1000; i++) {
    let packageId = String(2000 + i);
    let cargo = String(1 + (i % 8));
    let tracking = `TRK-${i}`;
    let query = i % 2 === 0 ? `Q-${i}` : "";
    let result = "ShipmentUpdated";
    let code = "";
    let commanded = true;
    const refuse = (r: string, c: string, sent = false) => {
      result = r;
      code = c;
      commanded = sent;
    };
    if (i === 10) {
      packageId = "20l0";
      refuse("ValidationError", "INVALID_ID");
    } else if (i === 20) {
      tracking = "X".repeat(65);
      refuse("ValidationError", "INVALID_LENGTH");
    } else if (i === 30) {
      packageId = "2005"; // row 5 has it, in the same chunk
      refuse("ERROR", "DUPLICATE_PACKAGE");
    } else if (i === 450) {
      packageId = "2100"; // row 100 has it, in another chunk
      refuse("ERROR", "DUPLICATE_PACKAGE");
    } else if (i === 40) {
      packageId = "1005"; // waiting: no shipment transition
      refuse("ValidationError", "TRANSITION_NOT_CONFIGURED");
    } else if (i === 50) {
      cargo = "99"; // refused by the OMS itself
      refuse("ValidationError", "OMS_VALIDATION", true);
    } else if (i === 60) {
      tracking = 'TRK,60 "quoted"';
    } else if (i === 70) {
      query = "Q\n70"; // a line break inside a quoted field: valid CSV, refused by the gateway
      refuse("ValidationError", "INVALID_CHARACTERS");
    }
    lines.push([packageId, cargo, tracking, query].map(csvField).join(","));
    expected.push({ line, packageId, result, code, commanded });
    line += 1 + (query.match(/\n/g)?.length ?? 0);
  }
  return { csv: `\uFEFF${lines.join("\r\n")}\r\n`, expected };
}

// Written by hand rather than with the writer under test.
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];

function startCli(
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; done: Promise<CliRun> } {
  // A clean environment, so a developer's own IMPORT_* settings cannot leak in.
  const child = spawn(process.execPath, ["--import", "tsx", "src/tools/import.ts", ...args], {
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

function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}

function cliEnv(h: Harness, extra: Record<string, string> = {}): Record<string, string> {
  return { IMPORT_GATEWAY_URL: `${h.url}/graphql`, IMPORT_CHUNK_SIZE: "100", ...extra };
}

interface ResultRow {
  line: number;
  packageId: string;
  result: string;
  code: string;
  message: string;
}

async function readResults(path: string): Promise<ResultRow[]> {
  const [header, ...records] = parseCsv(await readFile(path, "utf8"));
  expect(header?.fields).toStrictEqual(["line", "package_id", "result", "code", "message"]);
  return records.map((r) => {
    expect(r.error).toBeUndefined();
    const [line = "", packageId = "", result = "", code = "", message = ""] = r.fields;
    return { line: Number(line), packageId, result, code, message };
  });
}

function expectResults(rows: ResultRow[], expected: Expected[]): void {
  expect(rows.map(({ line, packageId, result, code }) => ({ line, packageId, result, code }))).toStrictEqual(
    expected.map(({ line, packageId, result, code }) => ({ line, packageId, result, code })),
  );
}

/** Commands the simulators received, per package id. */
function commandsPerPackage(...harnesses: Harness[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const h of harnesses) {
    for (const r of h.commands()) {
      const id = /\/packages\/([^/]+)\/command\/$/.exec(r.path)?.[1] ?? "?";
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
  }
  return counts;
}

function commandedIds(expected: Expected[]): string[] {
  return expected.filter((e) => e.commanded).map((e) => e.packageId);
}

async function journalLines(path: string): Promise<string[]> {
  const text = await readFile(path, "utf8").catch(() => "");
  return text.split("\n").filter((l) => l.trim() !== "");
}

async function waitFor(
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

describe("npm run import", () => {
  let dir: string;
  const harnesses: Harness[] = [];
  const servers: Server[] = [];

  async function harness(simulator: { latencyMs?: number } = {}): Promise<Harness> {
    const h = await startHarness({ BULK_MAX_ITEMS: "500" }, { ...SIMULATOR, ...simulator });
    harnesses.push(h);
    return h;
  }

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "oms-import-"));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    for (const server of servers.splice(0)) server.close();
    await Promise.all(harnesses.splice(0).map((h) => h.close()));
    await rm(dir, { recursive: true, force: true });
  });

  async function writeInput(name: string, text: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it("imports 1,000 rows: one result per row in input order, one command per valid distinct row", async () => {
    const h = await harness();
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);

    const run = await runCli([input], cliEnv(h));

    expect(run.code, run.stderr).toBe(0);
    const rows = await readResults(`${input}.result.csv`);
    expect(rows).toHaveLength(1000);
    expectResults(rows, expected);
    const duplicate = rows.find((r) => r.line === expected[450]?.line);
    expect(duplicate?.message).toMatch(/already appears on line \d+; this row was not sent/);

    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
    expect(h.sim.getPackage(2060)?.shipment).toMatchObject({
      awb_number: 'TRK,60 "quoted"',
      query_number: "Q-60",
    });
    expect(h.sim.getPackage(2061)?.shipment).toMatchObject({ awb_number: "TRK-61", query_number: null });
    expect(h.sim.getPackage(2999)?.shipment).toMatchObject({ awb_number: "TRK-999", cargo_company: 8 });

    for (const result of [
      "ShipmentUpdated",
      "ValidationError",
      "CommandRejected",
      "CommandFailed",
      "ERROR",
    ]) {
      const count = expected.filter((e) => e.result === result).length;
      expect(run.stdout).toMatch(new RegExp(`^  ${result}\\s+${count}$`, "m"));
    }
    expect(run.stdout).toContain(
      "Chunks: 10 (10 sent, 0 of them replayed by the gateway, 0 from the journal)",
    );
    // Not a terminal: plain progress lines, no carriage returns or escape sequences.
    expect(run.stderr).toMatch(/^progress: 1000\/1000 rows, \d+ rows\/s, eta 0s$/m);
    expect(run.stderr).not.toContain("\r");
    expect(run.stderr).not.toContain("\u001b[");
  }, 60_000);

  it("replays every chunk from the gateway's idempotency store when the journal is gone: zero new commands", async () => {
    const h = await harness();
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const first = await runCli([input, "--out", join(dir, "first.csv")], cliEnv(h));
    expect(first.code, first.stderr).toBe(0);
    const commandsBefore = h.commands().length;

    // Another output path: a fresh journal, so every chunk goes to the gateway again with its key.
    const second = await runCli([input, `--out=${join(dir, "second.csv")}`], cliEnv(h));

    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain(
      "Chunks: 10 (10 sent, 10 of them replayed by the gateway, 0 from the journal)",
    );
    expect(h.commands()).toHaveLength(commandsBefore);
    expect(await readFile(join(dir, "second.csv"), "utf8")).toBe(
      await readFile(join(dir, "first.csv"), "utf8"),
    );
    expectResults(await readResults(join(dir, "second.csv")), expected);
  }, 60_000);

  it("stops after the chunk in flight on SIGINT (exit 130) and resumes from the journal: every row once, no package commanded twice", async () => {
    // Latency at the simulator makes a chunk take a few hundred ms, long enough to interrupt.
    const h = await harness({ latencyMs: 10 });
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const journal = `${input}.result.csv.journal`;

    const first = startCli([input], cliEnv(h));
    await waitFor("three journaled chunks", async () => (await journalLines(journal)).length >= 3);
    first.child.kill("SIGINT");
    const stopped = await first.done;

    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain("Stopping after the chunk in flight");
    expect(stopped.stderr).toMatch(/Interrupted: \d+ of 10 chunks are done and journaled/);
    const journaled = (await journalLines(journal)).length;
    expect(journaled).toBeGreaterThanOrEqual(3);
    expect(journaled).toBeLessThan(10);
    await expect(readFile(`${input}.result.csv`)).rejects.toThrow(/ENOENT/);
    // Everything the first run commanded is in its journal: nothing was left half-done.
    const afterFirst = commandsPerPackage(h);

    const resumed = await runCli([input], cliEnv(h));

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(
      `${10 - journaled} sent, 0 of them replayed by the gateway, ${journaled} from the journal`,
    );
    expect(resumed.stderr).toContain(`${journaled} chunks already done`);
    expectResults(await readResults(`${input}.result.csv`), expected);
    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
    expect(afterFirst.size).toBeGreaterThan(0);
    expect(afterFirst.size).toBeLessThan(commands.size);
  }, 60_000);

  it("resumes against a restarted gateway (empty idempotency store) without commanding any package twice, thanks to the journal", async () => {
    const before = await harness({ latencyMs: 10 });
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const journal = `${input}.result.csv.journal`;
    const first = startCli([input], cliEnv(before));
    await waitFor("three journaled chunks", async () => (await journalLines(journal)).length >= 3);
    first.child.kill("SIGINT");
    expect((await first.done).code).toBe(130);
    const journaled = (await journalLines(journal)).length;
    await before.close();
    harnesses.splice(harnesses.indexOf(before), 1);

    const after = await harness();
    const resumed = await runCli([input], cliEnv(after));

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(
      `${10 - journaled} sent, 0 of them replayed by the gateway, ${journaled} from the journal`,
    );
    expectResults(await readResults(`${input}.result.csv`), expected);
    const commands = commandsPerPackage(before, after);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it("replays the chunk that was in flight when the run was killed outright (SIGKILL) instead of commanding it again", async () => {
    const h = await harness({ latencyMs: 10 });
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const journal = `${input}.result.csv.journal`;
    // Commands the first `chunks` chunks send: the rows held back here do not fill a chunk.
    const sent = expected.filter((e) => e.result !== "ERROR");
    const commandedBy = (chunks: number) => sent.slice(0, chunks * 100).filter((e) => e.commanded).length;
    const first = startCli([input], cliEnv(h));
    // Three chunks journaled and the fourth already commanding at the simulator.
    await waitFor(
      "the fourth chunk in flight",
      async () => (await journalLines(journal)).length === 3 && h.commands().length > commandedBy(3),
    );
    first.child.kill("SIGKILL");
    await first.done;
    expect(await journalLines(journal)).toHaveLength(3);

    const resumed = await runCli([input], cliEnv(h));

    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain("7 sent, 1 of them replayed by the gateway, 3 from the journal");
    expectResults(await readResults(`${input}.result.csv`), expected);
    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it("retries a chunk that failed as a whole with the same key, and stops with the journal kept when it keeps failing", async () => {
    const h = await harness();
    // A proxy in front of the gateway that answers 503 when told to, and counts what it sees.
    let failNext = 0;
    const keys: string[] = [];
    const proxy = createServer(async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      keys.push(String(req.headers["idempotency-key"]));
      if (failNext > 0) {
        failNext--;
        res.writeHead(503, { "content-type": "text/html" }).end("<h1>503 Service Unavailable</h1>");
        return;
      }
      const answer = await request(`${h.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": String(req.headers["idempotency-key"]),
        },
        body,
      });
      const replayed = answer.headers["idempotent-replayed"];
      res.writeHead(answer.statusCode, {
        "content-type": "application/json",
        ...(replayed ? { "idempotent-replayed": String(replayed) } : {}),
      });
      res.end(await answer.body.text());
    });
    servers.push(proxy);
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    const proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/graphql`;

    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const sent = expected.filter((e) => e.result !== "ERROR");
    const linesOf = (chunk: number) => `lines ${sent[chunk * 100]?.line}-${sent[chunk * 100 + 99]?.line}`;
    let stderr = "";
    let stdout = "";
    const options = (url: string): ImportOptions => ({
      inputPath: input,
      outPath: `${input}.result.csv`,
      config: loadImportConfig({ IMPORT_GATEWAY_URL: url, IMPORT_CHUNK_SIZE: "100" }),
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      interrupt: new AbortController().signal,
      retry: { attempts: 4, baseDelayMs: 5, maxDelayMs: 20 },
    });

    // Two failures, then the gateway again: the chunk goes through on its third attempt.
    failNext = 2;
    const proxied = runImport({ ...options(proxyUrl), outPath: join(dir, "retried.csv") });
    expect(await proxied).toMatchObject({ kind: "done", sent: 10, replayed: 0 });
    expect(keys.slice(0, 3)).toStrictEqual(Array(3).fill(keys[0]));
    expect(keys[0]).toMatch(/^import-[0-9a-f]{16}-0$/);
    expect(stderr).toContain(
      `Chunk 1 of 10 (${linesOf(0)}) failed: HTTP 503: <h1>503 Service Unavailable</h1>; retrying in 5 ms (attempt 2 of 4).`,
    );
    expectResults(await readResults(join(dir, "retried.csv")), expected);

    // Now a fresh journal against a gateway that fails for good after chunk 3: four attempts, then stop.
    h.sim.reset();
    const fresh = await writeInput("again.csv", `${csv}2001,1,CHANGED,\r\n`);
    keys.length = 0;
    stderr = "";
    let served = 0;
    proxy.removeAllListeners("request");
    proxy.on("request", async (req, res) => {
      let body = "";
      for await (const chunk of req) body += chunk;
      keys.push(String(req.headers["idempotency-key"]));
      if (++served > 3) {
        res.writeHead(503).end();
        return;
      }
      const answer = await request(`${h.url}/graphql`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "idempotency-key": String(req.headers["idempotency-key"]),
        },
        body,
      });
      res.writeHead(answer.statusCode, { "content-type": "application/json" }).end(await answer.body.text());
    });
    const failed = await runImport({
      ...options(proxyUrl),
      inputPath: fresh,
      outPath: `${fresh}.result.csv`,
    });
    expect(failed.kind).toBe("failed");
    expect(failed.kind === "failed" && failed.message).toBe(
      `Chunk 4 of 10 (${linesOf(3)}) failed: HTTP 503 (after 4 attempts)\n` +
        `3 of 10 chunks are done and kept in ${fresh}.result.csv.journal; run the same command again to resume.`,
    );
    expect(keys.slice(3)).toStrictEqual(Array(4).fill(keys[3]));
    expect(await journalLines(`${fresh}.result.csv.journal`)).toHaveLength(3);
    await expect(readFile(`${fresh}.result.csv`)).rejects.toThrow(/ENOENT/);

    // The gateway is back: the next run picks up at chunk 4 with the same keys.
    const resumed = await runImport({
      ...options(`${h.url}/graphql`),
      inputPath: fresh,
      outPath: `${fresh}.result.csv`,
    });
    expect(resumed).toMatchObject({ kind: "done", sent: 7, fromJournal: 3 });
    const rows = await readResults(`${fresh}.result.csv`);
    expect(rows).toHaveLength(1001);
    expect(rows.at(-1)).toMatchObject({ packageId: "2001", result: "ERROR", code: "DUPLICATE_PACKAGE" });
    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it("stops with exit 1 and a clear message when the gateway refuses a chunk for good", async () => {
    const h = await harness();
    const { csv } = buildImport();
    const input = await writeInput("tracking.csv", csv);

    const run = await runCli([input], cliEnv(h, { IMPORT_CHUNK_SIZE: "600" }));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "updatePackageShipments takes at most 500 inputs per call, got 600. (BAD_USER_INPUT)",
    );
    expect(run.stderr).toContain("lower IMPORT_CHUNK_SIZE");
    expect(run.stdout).toBe("");
    expect(h.commands()).toHaveLength(0);
  }, 60_000);

  it("reports malformed rows with their own error and does not send them", async () => {
    const h = await harness();
    const input = await writeInput(
      "broken.csv",
      [
        HEADER,
        "2000,1,AB1,", // line 2
        "2001,1", // line 3: too few fields
        '2002,1,"AB"3,', // line 4: text after a closing quote
        '2003,1,A"B,', // line 5: a quote inside an unquoted field
        "", // line 6: blank, not a row
        '2004,2,"multi', // line 7: a quoted field
        'line",Q', // line 8: ...spanning two lines
        "2005,1,AB5,,extra", // line 9: too many fields
        `2006,1,${"Z".repeat(1001)},`, // line 10: far too long to send
        '2007,1,"never closed,', // line 11: runs to the end of the file, so only this line is lost
        "2008,3,AB8,Q8", // line 12
      ].join("\n"),
    );

    const run = await runCli([input, "--out", join(dir, "out.csv")], cliEnv(h));

    expect(run.code, run.stderr).toBe(0);
    const rows = await readResults(join(dir, "out.csv"));
    expect(rows.map(({ line, packageId, result, code }) => [line, packageId, result, code])).toStrictEqual([
      [2, "2000", "ShipmentUpdated", ""],
      [3, "2001", "ERROR", "MALFORMED_ROW"],
      [4, "2002", "ERROR", "MALFORMED_ROW"],
      [5, "2003", "ERROR", "MALFORMED_ROW"],
      [7, "2004", "ValidationError", "INVALID_CHARACTERS"],
      [9, "2005", "ERROR", "MALFORMED_ROW"],
      [10, "2006", "ERROR", "FIELD_TOO_LONG"],
      [11, "2007", "ERROR", "MALFORMED_ROW"],
      [12, "2008", "ShipmentUpdated", ""],
    ]);
    expect(rows.map((r) => r.message).filter((m) => m.startsWith("Line"))).toStrictEqual([
      "Line 3 has 2 fields where the header has 4; it was not sent.",
      "Line 4 is not valid CSV: unexpected text after a closing quote; it was not sent.",
      "Line 5 is not valid CSV: a quote inside an unquoted field; it was not sent.",
      "Line 9 has 5 fields where the header has 4; it was not sent.",
      "Line 10 has a field longer than 1000 characters; it was not sent.",
      "Line 11 is not valid CSV: a quoted field is never closed; it was not sent.",
    ]);
    expect([...commandsPerPackage(h).keys()]).toStrictEqual(["2000", "2008"]);
    expect(h.sim.getPackage(2008)?.shipment).toMatchObject({
      awb_number: "AB8",
      query_number: "Q8",
      cargo_company: 3,
    });
  }, 60_000);

  it("writes a transport failure per row as CommandFailed with its code, and still exits 0", async () => {
    const h = await harness();
    const command = (id: number) => `/api/v1/oms/packages/${id}/command/`;
    h.sim.injectFault({ method: "POST", path: command(2001), times: 1, fault: { kind: "reset" } });
    h.sim.injectFault({
      method: "POST",
      path: command(2002),
      times: 1,
      fault: { kind: "status", status: 429 },
    });
    const input = await writeInput("lossy.csv", `${HEADER}\n2000,1,AB0,\n2001,1,AB1,\n2002,1,AB2,\n`);

    const run = await runCli([input], cliEnv(h));

    expect(run.code, run.stderr).toBe(0);
    const rows = await readResults(`${input}.result.csv`);
    expect(rows.map(({ packageId, result, code }) => [packageId, result, code])).toStrictEqual([
      ["2000", "ShipmentUpdated", ""],
      ["2001", "CommandFailed", "OMS_OUTCOME_UNKNOWN"],
      ["2002", "CommandFailed", "OMS_RATE_LIMITED"],
    ]);
    expect(rows[1]?.message).not.toBe("");
    expect(run.stdout).toMatch(/^ {2}CommandFailed\s+2$/m);
    expect(run.stdout).toContain("2 rows failed in transport (CommandFailed): read those packages");
    // Each command was sent once: the gateway never re-sends one, and neither does the import.
    expect(Object.fromEntries(commandsPerPackage(h))).toStrictEqual({ "2000": 1, "2001": 1, "2002": 1 });
  }, 60_000);

  it("starts afresh when the input file changed since the journal was written", async () => {
    const h = await harness();
    const input = await writeInput("small.csv", `${HEADER}\n2000,1,OLD,\n`);
    expect((await runCli([input], cliEnv(h))).code).toBe(0);
    await writeFile(input, `${HEADER}\n2000,1,NEW,\n2001,2,NEW,\n`);

    const run = await runCli([input], cliEnv(h));

    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain("was for another version of small.csv; starting afresh");
    expect(await readResults(`${input}.result.csv`)).toHaveLength(2);
    expect(await journalLines(`${input}.result.csv.journal`)).toHaveLength(1);
    expect(h.sim.getPackage(2000)?.shipment?.awb_number).toBe("NEW");
  }, 60_000);

  it("exits 2 on bad usage, configuration or input file, without sending anything", async () => {
    const h = await harness();
    const good = await writeInput("good.csv", `${HEADER}\n2000,1,AB1,\n`);
    const noHeader = await writeInput("no-header.csv", "2000,1,AB1,\n");
    const empty = await writeInput("empty.csv", "");
    // "ÇA" saved as Windows-1254 / Latin-1, as an older spreadsheet would.
    const latin = await writeInput("latin.csv", Buffer.from(`${HEADER}\n2000,1,\u00c7A,\n`, "latin1"));
    const env = cliEnv(h);

    const runs = await Promise.all([
      runCli([], env),
      runCli([good, "--bogus"], env),
      runCli([good, "other.csv"], env),
      runCli([good, "--out"], env),
      runCli([join(dir, "missing.csv")], env),
      runCli([good], cliEnv(h, { IMPORT_CHUNK_SIZE: "0" })),
      runCli([good], cliEnv(h, { IMPORT_GATEWAY_URL: "ftp://example.com" })),
      runCli([noHeader], env),
      runCli([empty], env),
      runCli([latin], env),
      runCli([good, "--out", good], env),
    ]);

    expect(runs.map((r) => r.code)).toStrictEqual(Array(runs.length).fill(2));
    const [none, bogus, two, outless, missing, size, url, header, blank, encoding, same] = runs.map(
      (r) => r.stderr,
    );
    expect(none).toContain("Usage: npm run import -- <tracking.csv> [--out <result.csv>]");
    expect(bogus).toContain("Unknown option --bogus.");
    expect(two).toContain("One input file at a time");
    expect(outless).toContain("--out needs a file name.");
    expect(missing).toMatch(/Cannot read .*missing\.csv: ENOENT/);
    expect(size).toContain('IMPORT_CHUNK_SIZE must be an integer from 1 to 10000, got "0".');
    expect(url).toContain("IMPORT_GATEWAY_URL must be the gateway's http(s) /graphql URL");
    expect(header).toContain("The header lacks package_id, cargo_company_id, tracking_number");
    expect(blank).toContain("The file is empty");
    expect(encoding).toContain('is not UTF-8 text; save it as "CSV UTF-8"');
    expect(same).toContain("The result file must not be the input file.");
    expect(h.commands()).toHaveLength(0);

    const help = await runCli(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("IMPORT_CHUNK_SIZE");
  }, 60_000);
});

describe("CSV reader", () => {
  it("reads quoted fields with commas, doubled quotes and line breaks, and records the line each record starts on", () => {
    const text = 'a,b,c\n"1,2","say ""hi""","two\nlines"\nx,,z\n';
    expect(parseCsv(text)).toStrictEqual([
      { line: 1, fields: ["a", "b", "c"] },
      { line: 2, fields: ["1,2", 'say "hi"', "two\nlines"] },
      { line: 4, fields: ["x", "", "z"] },
    ]);
  });

  it("accepts CRLF, LF and CR line ends, a byte order mark, and a missing final line end", () => {
    expect(parseCsv("\uFEFFa,b\r\n1,2\n3,4\r5,6")).toStrictEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 2, fields: ["1", "2"] },
      { line: 3, fields: ["3", "4"] },
      { line: 4, fields: ["5", "6"] },
    ]);
    expect(parseCsv('"a\r\nb",c\r\nd,e\r\n')).toStrictEqual([
      { line: 1, fields: ["a\r\nb", "c"] },
      { line: 3, fields: ["d", "e"] },
    ]);
  });

  it("skips blank lines but keeps empty fields and empty quoted fields", () => {
    expect(parseCsv('a,b\n\n  \r\n,\n""\n1,2\n\n')).toStrictEqual([
      { line: 1, fields: ["a", "b"] },
      { line: 4, fields: ["", ""] },
      { line: 5, fields: [""] },
      { line: 6, fields: ["1", "2"] },
    ]);
  });

  it("reports a broken record with its problem and reads on from the next line", () => {
    expect(parseCsv('a,"b"c,d\ne,f"g\n"h,i\nj,k\n')).toStrictEqual([
      { line: 1, fields: ["a", "b"], error: "unexpected text after a closing quote" },
      { line: 2, fields: ["e"], error: "a quote inside an unquoted field" },
      { line: 3, fields: [], error: "a quoted field is never closed" },
      { line: 4, fields: ["j", "k"] },
    ]);
  });
});

describe("CSV writer", () => {
  it("quotes only the fields that need it and ends every record with CRLF", () => {
    expect(formatCsvRow(["1", "a,b", 'say "hi"', "two\nlines", "", " padded"])).toBe(
      '1,"a,b","say ""hi""","two\nlines",," padded"\r\n',
    );
    expect(formatCsv([["a"], ["b", "c"]])).toBe("a\r\nb,c\r\n");
  });

  it("round-trips through the reader", () => {
    const rows = [
      ["line", "message"],
      ["2", 'He said "no, not\r\nnow"'],
      ["3", ""],
      ["4", "\u00c7ankaya ,\u0130zmir"],
    ];
    expect(parseCsv(formatCsv(rows)).map((r) => r.fields)).toStrictEqual(rows);
  });
});

describe("import rows", () => {
  it("takes the columns in any order, ignores extra ones and sends an empty query number as none", () => {
    const rows = toImportRows(
      parseCsv("tracking_number,Package_ID ,note,cargo_company_id\nAB1, 2000 ,x,3\nAB2,2001,y,4\n"),
    );
    expect(rows).toStrictEqual([
      {
        kind: "send",
        line: 2,
        packageId: "2000",
        input: { packageId: "2000", cargoCompanyId: "3", trackingNumber: "AB1" },
      },
      {
        kind: "send",
        line: 3,
        packageId: "2001",
        input: { packageId: "2001", cargoCompanyId: "4", trackingNumber: "AB2" },
      },
    ]);
  });

  it("refuses a file without the required columns", () => {
    expect(() => toImportRows(parseCsv("package_id,tracking_number\n1,2\n"))).toThrow(ImportFileError);
    expect(() => toImportRows(parseCsv("package_id,package_id,cargo_company_id,tracking_number\n"))).toThrow(
      "The header names package_id twice.",
    );
  });
});

describe("progress", () => {
  it("draws a bar in place on a terminal and plain lines at most every interval otherwise", () => {
    let clock = 0;
    let tty = "";
    const bar = new ProgressReporter({ isTTY: true, write: (t: string) => (tty += t) }, 1000, {
      now: () => clock,
    });
    bar.begin(0);
    clock = 2_000;
    bar.advance(500);
    expect(tty).toBe(
      "\r[--------------------] 0/1000 rows, 0 rows/s, eta --\x1b[K" +
        "\r[##########----------] 500/1000 rows, 250 rows/s, eta 2s\x1b[K",
    );
    bar.end();
    expect(tty.endsWith("\n")).toBe(true);

    let plain = "";
    const lines = new ProgressReporter({ write: (t: string) => (plain += t) }, 1000, {
      now: () => clock,
      intervalMs: 2_000,
    });
    lines.begin(100);
    clock += 1_000;
    lines.advance(100); // within the interval: not shown
    clock += 1_000;
    lines.advance(100);
    clock += 100;
    lines.advance(700); // the last one is always shown
    expect(plain).toBe(
      "progress: 100/1000 rows, 0 rows/s, eta --\n" +
        "progress: 300/1000 rows, 100 rows/s, eta 7s\n" +
        "progress: 1000/1000 rows, 429 rows/s, eta 0s\n",
    );
  });
});
