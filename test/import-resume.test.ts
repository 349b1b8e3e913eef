/**
 * The CSV import run again after it stopped or the OMS went away: replays from the gateway's
 * idempotency store, interruption and resume, only edited rows re-sent, rows known not applied
 * retried, rows of unknown outcome read before anything is re-sent; every row applied once.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../src/simulator/index.js";
import {
  cleanups,
  cliEnv,
  expectResults,
  journalLines,
  readResults,
  runCli,
  startCli,
  useImportRun,
  waitFor,
} from "./helpers/import-cli.js";
import {
  buildImport,
  commandedIds,
  commandsAt,
  commandsPerPackage,
  HEADER,
  SIMULATOR,
} from "./helpers/import-data.js";
import { startSwitchableProxy } from "./helpers/switchable-proxy.js";

describe("npm run import", () => {
  const { dir, harness, writeInput } = useImportRun();

  it("replays every chunk from the gateway's idempotency store when the journal is gone: zero new commands", async () => {
    const h = await harness();
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);
    const first = await runCli([input, "--out", join(dir(), "first.csv")], cliEnv(h));
    expect(first.code, first.stderr).toBe(1);
    const commandsBefore = h.commands().length;

    const second = await runCli([input, `--out=${join(dir(), "second.csv")}`], cliEnv(h));

    expect(second.code, second.stderr).toBe(1);
    expect(second.stdout).toContain("Sent 998 rows in 10 calls (10 replayed by the gateway)");
    expect(h.commands()).toHaveLength(commandsBefore);
    expect(await readFile(join(dir(), "second.csv"), "utf8")).toBe(
      await readFile(join(dir(), "first.csv"), "utf8"),
    );
    expectResults(await readResults(join(dir(), "second.csv")), expected);
  }, 60_000);

  it("stops after the chunk in flight on SIGINT (exit 1: rows left to send), writes what it has, and resumes: every row once", async () => {
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

    expect(stopped.code, stopped.stderr).toBe(1);
    expect(stopped.stderr).toContain("SIGINT: stopping after the chunks in flight");
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
    await waitFor("a chunk after the third in flight", async () => {
      const lines = await journalLines(journal);
      const sent = lines.filter((l) => l.includes('"t":"sent"')).length;
      const answered = lines.filter((l) => l.includes('"t":"row"')).length;
      return sent >= 4 && answered < sent * 100 && h.commands().length > 300;
    });
    first.child.kill("SIGKILL");
    await first.done;

    const resumed = await runCli([input], cliEnv(h));

    expect(resumed.code, resumed.stderr).toBe(1);
    // Each chunk in flight when the import was killed (one, or two with IMPORT_CHUNKS_IN_FLIGHT 2).
    expect(resumed.stdout).toMatch(/\([12] replayed by the gateway\)/);
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
});
