/**
 * The import across a crashed gateway (killed with SIGKILL mid-chunk, with either idempotency
 * store) and the built `oms-graph-import` bin stopped by SIGTERM to its own PID: every row applied
 * exactly once at the OMS after resuming.
 */
import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { startSimulator } from "../src/simulator/index.js";
import { importBundleOptions } from "../src/tools/bundle.js";
import { startHarness } from "./helpers/harness.js";
import {
  children,
  cleanups,
  readResults,
  runCli,
  spawnGateway,
  startCli,
  useImportRun,
  waitFor,
} from "./helpers/import-cli.js";
import { commandsAt, commandsPerPackage, HEADER, SIMULATOR } from "./helpers/import-data.js";
import { freePort, SKIP_REDIS, startRedis } from "./helpers/redis.js";

describe("the import across gateway crashes and signals", () => {
  const { dir } = useImportRun();

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
        const input = join(dir(), "crash.csv");
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
        // The memory store forgot the chunks' keys: the import reads the packages. Redis still holds
        // them: the gateway recovers each chunk that was in flight (one or two) under its key.
        expect(resumed.stdout).toMatch(
          store === "memory"
            ? /\(0 replayed by the gateway\), [1-9]\d* found applied by reading/
            : /\([12] replayed by the gateway\), 0 found applied/,
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

  it("the built oms-graph-import stops after the chunk in flight on SIGTERM to its own PID (exit 1: rows left to send) and resumes", async () => {
    const bin = join(dir(), "oms-graph-import.mjs");
    await build({ ...importBundleOptions(bin), logLevel: "silent" });
    const h = await startHarness({}, { ...SIMULATOR, latencyMs: 10 });
    cleanups.push(() => h.close());
    const lines = [HEADER];
    for (let i = 0; i < 500; i++) lines.push(`${2000 + i},1,TERM-${i},`);
    const input = join(dir(), "term.csv");
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

    expect(await exited).toBe(1);
    expect(stderr).toContain("SIGTERM: stopping after the chunks in flight");
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
