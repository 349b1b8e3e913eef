/**
 * The CSV import (`npm run import`) run as a child process against a real gateway and OMS simulator
 * on loopback: results per row, interruption and resume, replay from the gateway's idempotency
 * store, and what is commanded at the simulator across runs. Plus the CSV reader and writer alone.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { type Server } from "node:http";
import { connect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseCsv } from "csv-parse/sync";
import { build } from "esbuild";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { formatCsv, formatCsvRow, readCsv, readDialect } from "../src/import/csv.js";
import { ProgressReporter } from "../src/import/progress.js";
import { ImportFileError, RowReader, readHeader } from "../src/import/rows.js";
import { type OmsSimulator, startSimulator } from "../src/simulator/index.js";
import { importBundleOptions } from "../src/tools/bundle.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { freePort, SKIP_REDIS, startRedis } from "./helpers/redis.js";

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

function runCli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return startCli(args, env).done;
}

function cliEnv(h: Harness, extra: Record<string, string> = {}): Record<string, string> {
  return {
    IMPORT_GATEWAY_URL: `${h.url}/graphql`,
    IMPORT_CHUNK_SIZE: "100",
    IMPORT_RETRY_DELAY_MS: "20",
    ...extra,
  };
}

interface ResultRow {
  line: number;
  packageId: string;
  result: string;
  code: string;
  message: string;
  outcomeKnown: boolean;
}

async function readResults(path: string): Promise<ResultRow[]> {
  const [header, ...records] = parseCsv(await readFile(path, "utf8")) as string[][];
  expect(header).toStrictEqual(["line", "package_id", "result", "code", "message", "outcome_known"]);
  return records.map((fields) => {
    const [line = "", packageId = "", result = "", code = "", message = "", known = ""] = fields;
    return { line: Number(line), packageId, result, code, message, outcomeKnown: known === "true" };
  });
}

function expectResults(rows: ResultRow[], expected: Expected[]): void {
  expect(rows.map(({ line, packageId, result, code }) => ({ line, packageId, result, code }))).toStrictEqual(
    expected.map(({ line, packageId, result, code }) => ({ line, packageId, result, code })),
  );
}

const cleanups: Array<() => Promise<unknown> | unknown> = [];

/** Commands the simulators received, per package id. */
function commandsPerPackage(...sources: Array<Harness | OmsSimulator>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const source of sources) {
    const requests = "sim" in source ? source.sim.requests : source.requests;
    for (const r of requests.filter((q) => q.method === "POST" && q.path.endsWith("/command/"))) {
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

function commandsAt(sim: OmsSimulator): number {
  return sim.requests.filter((r) => r.method === "POST" && r.path.endsWith("/command/")).length;
}

/** A TCP port in front of the simulator that can refuse connections (the OMS down) and come back. */
async function startSwitchableProxy(
  target: number,
): Promise<{ url: string; down(): Promise<void>; up(): Promise<void>; close(): Promise<void> }> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: NetServer | null = null;
  const up = async () => {
    server = createNetServer((socket) => {
      const upstream = connect(target, "127.0.0.1");
      sockets.add(socket).add(upstream);
      socket.pipe(upstream).pipe(socket);
      const drop = () => {
        socket.destroy();
        upstream.destroy();
        sockets.delete(socket);
        sockets.delete(upstream);
      };
      socket.on("error", drop).on("close", drop);
      upstream.on("error", drop).on("close", drop);
    });
    await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
  };
  const down = async () => {
    const closed = new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    for (const s of sockets) s.destroy();
    await closed;
    server = null;
  };
  await up();
  return { url: `http://127.0.0.1:${port}`, down, up, close: down };
}

/** The gateway as its own process (src/main.ts), so it can be killed like a crashed replica. */
async function spawnGateway(env: Record<string, string>): Promise<ChildProcess> {
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

describe("npm run import", () => {
  let dir: string;
  const harnesses: Harness[] = [];
  const servers: Server[] = [];

  async function harness(
    simulator: { latencyMs?: number } = {},
    env: Record<string, string> = {},
  ): Promise<Harness> {
    const h = await startHarness({ BULK_MAX_ITEMS: "500", ...env }, { ...SIMULATOR, ...simulator });
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
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  async function writeInput(name: string, text: string | Buffer): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it("imports 1,000 rows: one result per row in input order with outcome_known, one command per valid distinct row, a file of the rows to fix", async () => {
    const h = await harness();
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);

    const run = await runCli([input], cliEnv(h));

    // Rows to fix: exit 1.
    expect(run.code, run.stderr).toBe(1);
    const rows = await readResults(`${input}.result.csv`);
    expect(rows).toHaveLength(1000);
    expectResults(rows, expected);
    expect(rows.every((r) => r.outcomeKnown)).toBe(true);
    const duplicate = rows.find((r) => r.line === expected[450]?.line);
    expect(duplicate?.message).toMatch(/already appears on line \d+; this row was not sent/);
    // Messages name the file's columns, not the GraphQL input's fields.
    expect(rows.find((r) => r.line === expected[20]?.line)?.message).toContain(
      "tracking_number must be 1 to 64",
    );
    expect(rows.map((r) => r.message).join(" ")).not.toMatch(/trackingNumber|packageId|cargoCompanyId/);

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
    expect(run.stdout).toContain("Sent 998 rows in 10 calls (0 replayed by the gateway)");
    const toFix = expected.filter((e) => e.result !== "ShipmentUpdated");
    expect(run.stdout).toContain(`${toFix.length} rows need fixing (`);
    expect(run.stdout).not.toMatch(/not applied|may or may not/);
    // The rows to fix, with the input's columns and the reason, in the input's dialect (BOM kept).
    const fixText = await readFile(`${input}.to-fix.csv`, "utf8");
    expect(fixText.startsWith(`\uFEFF${HEADER},reason,code\r\n`)).toBe(true);
    const fix = parseCsv(fixText, { bom: true }) as string[][];
    expect(fix.slice(1).map((r) => [r[0], r[5]])).toStrictEqual(toFix.map((e) => [e.packageId, e.code]));
    // Not a terminal: plain progress lines, no carriage returns or escape sequences.
    expect(run.stderr).toMatch(/^progress: 1000\/1000 rows, \d+ rows\/s, eta 0s$/m);
    expect(run.stderr).not.toContain("\r");
  }, 60_000);

  it("replays every chunk from the gateway's idempotency store when the journal is gone: zero new commands", async () => {
    const h = await harness();
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const first = await runCli([input, "--out", join(dir, "first.csv")], cliEnv(h));
    expect(first.code, first.stderr).toBe(1);
    const commandsBefore = h.commands().length;

    const second = await runCli([input, `--out=${join(dir, "second.csv")}`], cliEnv(h));

    expect(second.code, second.stderr).toBe(1);
    expect(second.stdout).toContain("Sent 998 rows in 10 calls (10 replayed by the gateway)");
    expect(h.commands()).toHaveLength(commandsBefore);
    expect(await readFile(join(dir, "second.csv"), "utf8")).toBe(
      await readFile(join(dir, "first.csv"), "utf8"),
    );
    expectResults(await readResults(join(dir, "second.csv")), expected);
  }, 60_000);

  it("stops after the chunk in flight on SIGINT (exit 130), writes what it has, and resumes: every row once", async () => {
    const h = await harness({ latencyMs: 10 });
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const journal = `${input}.result.csv.journal`;

    const first = startCli([input], cliEnv(h));
    await waitFor(
      "three answered chunks",
      async () => (await journalLines(journal)).filter((l) => l.includes('"t":"row"')).length >= 300,
    );
    first.child.kill("SIGINT");
    const stopped = await first.done;

    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain("SIGINT: stopping after the chunk in flight");
    // Nothing left in flight: every row sent has its outcome.
    const partial = await readResults(`${input}.result.csv`);
    expect(partial.filter((r) => r.code === "OUTCOME_UNKNOWN")).toHaveLength(0);
    const notSent = partial.filter((r) => r.code === "NOT_SENT").length;
    expect(notSent).toBeGreaterThan(0);
    expect(stopped.stdout).toContain(`${notSent} rows were not applied (NOT_SENT ${notSent})`);
    const afterFirst = commandsPerPackage(h);

    const resumed = await runCli([input], cliEnv(h));

    expect(resumed.code, resumed.stderr).toBe(1);
    expect(resumed.stdout).toContain(`Sent ${notSent} rows in`);
    expectResults(await readResults(`${input}.result.csv`), expected);
    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
    expect(afterFirst.size).toBeLessThan(commands.size);
  }, 60_000);

  it("asks the gateway about the chunk that was in flight when the import was killed (SIGKILL), and gets it replayed instead of commanding it again", async () => {
    const h = await harness({ latencyMs: 10 });
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const journal = `${input}.result.csv.journal`;
    const first = startCli([input], cliEnv(h));
    await waitFor("the fourth chunk in flight", async () => {
      const lines = await journalLines(journal);
      return lines.filter((l) => l.includes('"t":"sent"')).length === 4 && h.commands().length > 300;
    });
    first.child.kill("SIGKILL");
    await first.done;

    const resumed = await runCli([input], cliEnv(h));

    expect(resumed.code, resumed.stderr).toBe(1);
    expect(resumed.stdout).toMatch(/\(1 replayed by the gateway\)/);
    expectResults(await readResults(`${input}.result.csv`), expected);
    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);

  it("sends exactly the edited rows when 2 of 220 rows are changed and the file imported again", async () => {
    const h = await harness();
    const lines = [HEADER];
    for (let i = 0; i < 220; i++) lines.push(`${2000 + i},${1 + (i % 8)},FIRST-${i},`);
    const input = await writeInput("daily.csv", `${lines.join("\n")}\n`);
    const first = await runCli([input], cliEnv(h));
    expect(first.code, first.stderr).toBe(0);
    expect(h.commands()).toHaveLength(220);
    h.sim.clearRequests();

    lines[8] = "2007,2,EDITED-7,Q7";
    lines[201] = "2200,3,EDITED-200,";
    await writeFile(input, `${lines.join("\n")}\n`);
    const second = await runCli([input], cliEnv(h));

    expect(second.code, second.stderr).toBe(0);
    expect(
      h
        .commands()
        .map((r) => r.path)
        .sort(),
    ).toStrictEqual(["/api/v1/oms/packages/2007/command/", "/api/v1/oms/packages/2200/command/"]);
    expect(second.stdout).toContain(
      "Sent 2 rows in 1 calls (0 replayed by the gateway), 0 found applied by reading the package, 218 already done in the journal",
    );
    expect(h.sim.getPackage(2007)?.shipment).toMatchObject({
      awb_number: "EDITED-7",
      query_number: "Q7",
      cargo_company: 2,
    });
    expect((await readResults(`${input}.result.csv`)).every((r) => r.result === "ShipmentUpdated")).toBe(
      true,
    );
    expect(second.stdout).toContain("Every row is done; nothing to fix.");
    // Once more, unchanged: nothing at all is sent.
    h.sim.clearRequests();
    const third = await runCli([input], cliEnv(h));
    expect(third.code).toBe(0);
    expect(h.sim.requests).toHaveLength(0);
  }, 60_000);

  it("imports a semicolon-separated file with carrier names and ERP codes; an ambiguous or unknown carrier is a row to fix naming the candidates", async () => {
    const h = await harness();
    const input = await writeInput(
      "excel.csv",
      "\uFEFFpackage_id;cargo_company;tracking_number;query_number\r\n" +
        "2300;Aras Kargo;AR-1,5;\r\n" +
        "2301;yurtici-kargo;YK-1;Q;1\r\n".replace("Q;1", '"Q;1"') +
        "2302;sürat;SR-1;\r\n" +
        "2303;Kargo;XX-1;\r\n" +
        "2304;Fedex;XX-2;\r\n" +
        "2305;7;DH-1;\r\n",
    );

    const run = await runCli([input], cliEnv(h));

    expect(run.code, run.stderr).toBe(1);
    expect(h.sim.getPackage(2300)?.shipment).toMatchObject({ awb_number: "AR-1,5", cargo_company: 2 });
    expect(h.sim.getPackage(2301)?.shipment).toMatchObject({
      awb_number: "YK-1",
      query_number: "Q;1",
      cargo_company: 1,
    });
    expect(h.sim.getPackage(2302)?.shipment).toMatchObject({ cargo_company: 5 });
    expect(h.sim.getPackage(2305)?.shipment).toMatchObject({ cargo_company: 7 });
    expect(Object.fromEntries(commandsPerPackage(h))).toStrictEqual({
      "2300": 1,
      "2301": 1,
      "2302": 1,
      "2305": 1,
    });
    const rows = await readResults(`${input}.result.csv`);
    expect(rows.map((r) => [r.packageId, r.result, r.code])).toStrictEqual([
      ["2300", "ShipmentUpdated", ""],
      ["2301", "ShipmentUpdated", ""],
      ["2302", "ShipmentUpdated", ""],
      ["2303", "ERROR", "AMBIGUOUS_CARGO_COMPANY"],
      ["2304", "ERROR", "UNKNOWN_CARGO_COMPANY"],
      ["2305", "ShipmentUpdated", ""],
    ]);
    expect(rows[3]?.message).toMatch(
      /^cargo_company "Kargo" matches 5 cargo companies: Aras Kargo \(id 2, aras-kargo\), /,
    );
    expect(rows[4]?.message).toContain('cargo_company "Fedex" matches no cargo company; the OMS knows ');
    expect(rows[4]?.message).toContain("HepsiJET (id 8, hepsijet)");
    // The rows to fix come back with semicolons, ready for the same spreadsheet.
    const fix = await readFile(`${input}.to-fix.csv`, "utf8");
    expect(fix.split("\r\n").slice(0, 2)).toStrictEqual([
      "\uFEFFpackage_id;cargo_company;tracking_number;query_number;reason;code",
      expect.stringMatching(
        /^2303;Kargo;XX-1;;"cargo_company ""Kargo"" matches 5 .*";AMBIGUOUS_CARGO_COMPANY$/,
      ),
    ]);
  }, 60_000);

  it("OMS down mid-import: rows known not applied are retried in the run, then by the next run; every row applied exactly once", async () => {
    const sim = await startSimulator({ ...SIMULATOR, latencyMs: 5 });
    cleanups.push(() => sim.close());
    // The OMS as the gateway sees it: a port that can stop accepting connections and come back.
    const oms = await startSwitchableProxy(sim.port);
    cleanups.push(() => oms.close());
    const h = await harness(
      {},
      {
        OMS_BASE_URL: oms.url,
        OMS_API_TOKEN: sim.token,
        OMS_BREAKER_THRESHOLD: "5",
        OMS_BREAKER_HALF_OPEN_MS: "200",
      },
    );
    const lines = [HEADER];
    for (let i = 0; i < 400; i++) lines.push(`${2000 + i},${1 + (i % 8)},DOWN-${i},`);
    const input = await writeInput("outage.csv", `${lines.join("\n")}\n`);
    const run = startCli([input], cliEnv(h, { IMPORT_RETRY_ATTEMPTS: "3", IMPORT_RETRY_DELAY_MS: "50" }));
    await waitFor("150 commands", () => commandsAt(sim) >= 150);
    await oms.down();

    const first = await run.done;

    expect(first.code, first.stderr).toBe(1);
    expect(first.stderr).toMatch(/rows are not done yet .*; trying them again in 50 ms \(round 2 of 3\)/);
    const results = await readResults(`${input}.result.csv`);
    const waiting = results.filter((r) => r.result !== "ShipmentUpdated");
    expect(waiting.length).toBeGreaterThan(0);
    // Refused connections and the open breaker: known not applied. Commands cut off in flight: unknown.
    const kinds = new Set(waiting.map((r) => `${r.result} ${r.code} ${r.outcomeKnown}`));
    expect(
      kinds.has("CommandFailed OMS_UNAVAILABLE true") || kinds.has("CommandFailed OMS_CIRCUIT_OPEN true"),
    ).toBe(true);
    for (const kind of kinds) {
      expect(kind).toMatch(
        /^(CommandFailed (OMS_UNAVAILABLE|OMS_CIRCUIT_OPEN) true|CommandFailed OMS_OUTCOME_UNKNOWN false)$/,
      );
    }
    const notApplied = waiting.filter((r) => r.outcomeKnown).length;
    expect(first.stdout).toMatch(
      new RegExp(
        `^${notApplied} rows were not applied \\(.*\\): run the same command again to send them\\.$`,
        "m",
      ),
    );
    if (notApplied < waiting.length) {
      expect(first.stdout).toContain(
        `${waiting.length - notApplied} rows may or may not have been applied (OMS_OUTCOME_UNKNOWN ${waiting.length - notApplied}): run the same command again; it reads those packages first`,
      );
    }
    expect(first.stdout).not.toContain("read those packages");
    expect(await readFile(`${input}.to-fix.csv`, "utf8")).toBe(`${HEADER},reason,code\r\n`);

    await oms.up();
    // Straight back in: rows that meet the breaker still open or half-open are retried within the run.
    const second = await runCli([input], cliEnv(h, { IMPORT_RETRY_DELAY_MS: "100" }));

    expect(second.code, second.stderr).toBe(0);
    // Every waiting row sent again or, when its lost command had been applied, found so by reading.
    const [, sent, verified] = /Sent (\d+) rows .*, (\d+) found applied by reading/.exec(second.stdout) ?? [];
    expect(Number(sent) + Number(verified)).toBe(waiting.length);
    const applied = commandsPerPackage(sim);
    expect(applied.size).toBe(400);
    expect([...applied.values()].every((n) => n === 1)).toBe(true);
    for (let i = 0; i < 400; i += 37)
      expect(sim.getPackage(2000 + i)?.shipment?.awb_number).toBe(`DOWN-${i}`);
  }, 60_000);

  it("retries rows whose outcome is unknown only after reading their package, and rows known not applied at once; exit 0 when all are done", async () => {
    const h = await harness();
    const command = (id: number) => `/api/v1/oms/packages/${id}/command/`;
    h.sim.injectFault({ method: "POST", path: command(2001), times: 1, fault: { kind: "reset" } });
    h.sim.injectFault({
      method: "POST",
      path: command(2002),
      times: 1,
      fault: { kind: "status", status: 429 },
    });
    h.sim.injectFault({ method: "POST", path: command(2003), times: 1, fault: { kind: "resetAfterApply" } });
    const input = await writeInput(
      "lossy.csv",
      `${HEADER}\n2000,1,AB0,\n2001,1,AB1,\n2002,1,AB2,\n2003,1,AB3,\n`,
    );

    const run = await runCli([input], cliEnv(h));

    expect(run.code, run.stderr).toBe(0);
    const rows = await readResults(`${input}.result.csv`);
    expect(
      rows.map(({ packageId, result, outcomeKnown }) => [packageId, result, outcomeKnown]),
    ).toStrictEqual([
      ["2000", "ShipmentUpdated", true],
      ["2001", "ShipmentUpdated", true],
      ["2002", "ShipmentUpdated", true],
      ["2003", "ShipmentUpdated", true],
    ]);
    // 2001's lost command was not applied: read, then sent again. 2002 was refused (429): sent again.
    // 2003 was applied though its answer was lost: the gateway's own read proved it; never sent twice.
    expect(Object.fromEntries(commandsPerPackage(h))).toStrictEqual({
      "2000": 1,
      "2001": 2,
      "2002": 2,
      "2003": 1,
    });
    expect(h.sim.getPackage(2001)?.shipment?.awb_number).toBe("AB1");
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
    expect(h.commands()).toHaveLength(0);
  }, 60_000);

  it("reports rows of the wrong width or with a huge field with their own error and does not send them; refuses a file that breaks CSV quoting, naming the line", async () => {
    const h = await harness();
    const input = await writeInput(
      "broken.csv",
      [
        HEADER,
        "2000,1,AB1,", // line 2
        "2001,1", // line 3: too few fields
        "", // line 4: blank, not a row
        '2004,2,"multi', // line 5: a quoted field
        'line",Q', // line 6: ...spanning two lines
        "2005,1,AB5,,extra", // line 7: too many fields
        `2006,1,${"Z".repeat(1001)},`, // line 8: far too long to send
        "2008,3,AB8,Q8", // line 9
      ].join("\r\n"),
    );

    const run = await runCli([input, "--out", join(dir, "out.csv")], cliEnv(h));

    expect(run.code, run.stderr).toBe(1);
    const rows = await readResults(join(dir, "out.csv"));
    expect(rows.map(({ line, packageId, result, code }) => [line, packageId, result, code])).toStrictEqual([
      [2, "2000", "ShipmentUpdated", ""],
      [3, "2001", "ERROR", "MALFORMED_ROW"],
      [5, "2004", "ValidationError", "INVALID_CHARACTERS"],
      [7, "2005", "ERROR", "MALFORMED_ROW"],
      [8, "2006", "ERROR", "FIELD_TOO_LONG"],
      [9, "2008", "ShipmentUpdated", ""],
    ]);
    expect([...commandsPerPackage(h).keys()]).toStrictEqual(["2000", "2008"]);

    const stray = await writeInput("stray.csv", `${HEADER}\n2000,1,AB1,\n2002,1,"AB"3,\n2003,1,AB3,\n`);
    const refused = await runCli([stray], cliEnv(h));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /is not valid CSV: Invalid Closing Quote: got "3" at line 3\. Nothing was sent/,
    );
    expect([...commandsPerPackage(h).keys()]).toStrictEqual(["2000", "2008"]);
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
      runCli([good, "--delimiter", "pipe"], env),
    ]);

    expect(runs.map((r) => r.code)).toStrictEqual(Array(runs.length).fill(2));
    const [none, bogus, two, outless, missing, size, url, header, blank, encoding, same, delimiter] =
      runs.map((r) => r.stderr);
    expect(none).toContain("Usage: oms-graph-import <tracking.csv> [--out <result.csv>]");
    expect(bogus).toContain("Unknown option --bogus.");
    expect(two).toContain("One input file at a time");
    expect(outless).toContain("--out needs a file name.");
    expect(missing).toMatch(/Cannot read .*missing\.csv: ENOENT/);
    expect(size).toContain('IMPORT_CHUNK_SIZE must be an integer from 1 to 10000, got "0".');
    expect(url).toContain("IMPORT_GATEWAY_URL must be the gateway's http(s) /graphql URL");
    expect(header).toContain("The header lacks package_id, cargo_company, tracking_number");
    expect(blank).toContain("The file is empty");
    expect(encoding).toContain('is not UTF-8 text; save it as "CSV UTF-8"');
    expect(same).toContain("The result file must not be the input file.");
    expect(delimiter).toContain('--delimiter must be one of "," , ";", tab'.replace(" ,", ","));
    expect(h.commands()).toHaveLength(0);

    const help = await runCli(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("IMPORT_RETRY_ATTEMPTS");
  }, 60_000);
});

describe("the import across gateway crashes and signals", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "oms-import-"));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  for (const store of ["memory", "redis"] as const) {
    it.skipIf(store === "redis" && SKIP_REDIS)(
      `gateway killed (SIGKILL) mid-chunk, then the import resumed against a new gateway: every row applied exactly once (${store} store)`,
      async () => {
        const sim = await startSimulator({ ...SIMULATOR, latencyMs: 20 });
        cleanups.push(() => sim.close());
        const env: Record<string, string> = {
          OMS_BASE_URL: sim.url,
          OMS_API_TOKEN: sim.token,
          OMS_TIMEOUT_MS: "1000",
        };
        if (store === "redis") {
          const redis = await startRedis();
          cleanups.push(() => redis.stop());
          env.REDIS_URL = redis.url;
        }
        const port = String(await freePort());
        const lines = [HEADER];
        for (let i = 0; i < 300; i++) lines.push(`${2400 + i},${1 + (i % 8)},CRASH-${i},`);
        const input = join(dir, "crash.csv");
        await writeFile(input, `${lines.join("\n")}\n`);
        const importEnv = {
          IMPORT_GATEWAY_URL: `http://127.0.0.1:${port}/graphql`,
          IMPORT_CHUNK_SIZE: "100",
          IMPORT_RETRY_ATTEMPTS: "2",
          IMPORT_RETRY_DELAY_MS: "50",
        };

        const first = await spawnGateway({ ...env, PORT: port });
        const run = startCli([input], importEnv);
        // Mid-way through the second chunk.
        await waitFor("the second chunk half sent", () => commandsAt(sim) >= 150);
        first.kill("SIGKILL");
        const stopped = await run.done;
        expect(stopped.code, stopped.stderr).toBe(1);
        const partial = await readResults(`${input}.result.csv`);
        expect(partial.some((r) => r.result === "PENDING" && !r.outcomeKnown)).toBe(true);

        await spawnGateway({ ...env, PORT: port });
        const resumed = await runCli([input], importEnv);

        expect(resumed.code, resumed.stderr).toBe(0);
        // The memory store forgot the chunk's key: the import reads the packages. Redis still holds
        // it: the gateway recovers the chunk under its key.
        expect(resumed.stdout).toMatch(
          store === "memory"
            ? /\(0 replayed by the gateway\), [1-9]\d* found applied by reading/
            : /\(1 replayed by the gateway\), 0 found applied/,
        );
        const applied = commandsPerPackage(sim);
        expect(applied.size).toBe(300);
        expect([...applied.entries()].filter(([, n]) => n !== 1)).toStrictEqual([]);
        for (let i = 0; i < 300; i += 7)
          expect(sim.getPackage(2400 + i)?.shipment?.awb_number).toBe(`CRASH-${i}`);
      },
      60_000,
    );
  }

  it("the built oms-graph-import stops after the chunk in flight on SIGTERM to its own PID (exit 143) and resumes", async () => {
    const bin = join(dir, "oms-graph-import.mjs");
    await build({ ...importBundleOptions(bin), logLevel: "silent" });
    const h = await startHarness({}, { ...SIMULATOR, latencyMs: 10 });
    cleanups.push(() => h.close());
    const lines = [HEADER];
    for (let i = 0; i < 500; i++) lines.push(`${2000 + i},1,TERM-${i},`);
    const input = join(dir, "term.csv");
    await writeFile(input, `${lines.join("\n")}\n`);
    const env = {
      PATH: process.env.PATH ?? "",
      IMPORT_GATEWAY_URL: `${h.url}/graphql`,
      IMPORT_CHUNK_SIZE: "100",
    };
    const child = spawn(bin, [input], { env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.resume();
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)));
    await waitFor("the second chunk under way", () => h.commands().length > 120);
    child.kill("SIGTERM");

    expect(await exited).toBe(143);
    expect(stderr).toContain("SIGTERM: stopping after the chunk in flight");
    const rows = await readResults(`${input}.result.csv`);
    // Whole chunks only: the one in flight finished, the rest were never sent.
    const updated = rows.filter((r) => r.result === "ShipmentUpdated").length;
    expect(updated % 100).toBe(0);
    expect(updated).toBeGreaterThanOrEqual(200);
    expect(h.commands()).toHaveLength(updated);
    expect(rows.filter((r) => r.result === "PENDING").every((r) => r.code === "NOT_SENT")).toBe(true);

    const resumed = await runCli([input], { IMPORT_GATEWAY_URL: `${h.url}/graphql` });
    expect(resumed.code, resumed.stderr).toBe(0);
    const counts = commandsPerPackage(h);
    expect(counts.size).toBe(500);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
  }, 60_000);
});

describe("CSV reader", () => {
  async function read(text: string | Buffer, delimiter: "," | ";" | "\t" | null = null) {
    const dir = await mkdtemp(join(tmpdir(), "oms-csv-"));
    try {
      const path = join(dir, "f.csv");
      await writeFile(path, text);
      const dialect = await readDialect(path, delimiter);
      const records: Array<{ line: number; fields: string[] }> = [];
      await readCsv(path, dialect, (r) => records.push(r));
      return { dialect, records };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("reads quoted fields with delimiters, doubled quotes and line breaks, and records the line each record starts on", async () => {
    const { records } = await read('package_id,b,c\n"1,2","say ""hi""","two\nlines"\n\nx,,z\n');
    expect(records).toStrictEqual([
      { line: 1, fields: ["package_id", "b", "c"] },
      { line: 2, fields: ["1,2", 'say "hi"', "two\nlines"] },
      { line: 5, fields: ["x", "", "z"] },
    ]);
  });

  it("detects ; and tab from the header, and handles a byte order mark, CRLF and CR line ends", async () => {
    const semi = await read('\uFEFFpackage_id;tracking_number\r\n1;A,B\r\n\r\n2;"C;D"\r\n');
    expect(semi.dialect).toStrictEqual({ delimiter: ";", bom: true });
    expect(semi.records).toStrictEqual([
      { line: 1, fields: ["package_id", "tracking_number"] },
      { line: 2, fields: ["1", "A,B"] },
      { line: 4, fields: ["2", "C;D"] },
    ]);
    const tab = await read("package_id\ttracking_number\r1\tA B\r2\tC");
    expect(tab.dialect).toStrictEqual({ delimiter: "\t", bom: false });
    expect(tab.records.map((r) => [r.line, r.fields])).toStrictEqual([
      [1, ["package_id", "tracking_number"]],
      [2, ["1", "A B"]],
      [3, ["2", "C"]],
    ]);
    // Given explicitly, the delimiter wins over detection.
    expect((await read("package_id,x;y\n1,2;3\n", ";")).records[1]?.fields).toStrictEqual(["1,2", "3"]);
  });
});

describe("CSV writer", () => {
  it("quotes only the fields that need it and ends every record with CRLF", () => {
    expect(formatCsvRow(["1", "a,b", 'say "hi"', "two\nlines", "", " padded"])).toBe(
      '1,"a,b","say ""hi""","two\nlines",," padded"\r\n',
    );
    expect(formatCsvRow(["a;b", "c,d"], ";")).toBe('"a;b";c,d\r\n');
    expect(formatCsv([["a"], ["b", "c"]])).toBe("a\r\nb,c\r\n");
  });
});

describe("import rows", () => {
  it("takes the columns in any order, ignores extra ones, reads cargo_company_id as cargo_company, and keys a row by its content", () => {
    const header = readHeader({
      line: 1,
      fields: ["tracking_number", "Package_ID ", "note", "cargo_company_id"],
    });
    expect(header.columns.cargoCompany).toBe("cargo_company_id");
    const reader = new RowReader(header);
    const a = reader.read({ line: 2, fields: ["AB1", " 2000 ", "x", "3"] });
    expect(a.values).toStrictEqual({ packageId: "2000", cargoCompany: "3", trackingNumber: "AB1" });
    const b = new RowReader(header).read({ line: 9, fields: ["AB1", "2000", "other note", "3"] });
    expect(b.key).toBe(a.key);
    const c = new RowReader(header).read({ line: 2, fields: ["AB2", "2000", "x", "3"] });
    expect(c.key).not.toBe(a.key);
  });

  it("refuses a file without the required columns", () => {
    expect(() => readHeader({ line: 1, fields: ["package_id", "tracking_number"] })).toThrow(ImportFileError);
    expect(() =>
      readHeader({ line: 1, fields: ["package_id", "cargo_company", "cargo_company_id", "tracking_number"] }),
    ).toThrow("The header names cargo_company twice.");
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
