/**
 * `npm run bench:import`: 10,000 rows through the import against the simulator with 20 ms per OMS
 * call and BULK_CONCURRENCY 8, compared with the floor ceil(10000/8) × 20 ms; and the import's
 * peak RSS for 1,000 and for 10,000 rows, to see that reading the file is streamed.
 */
import "reflect-metadata";
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startHarness } from "../test/helpers/harness.js";

const LATENCY_MS = 20;
const CONCURRENCY = 8;
const FIRST_ID = 100_000;

async function importRows(
  rows: number,
  gatewayUrl: string,
  dir: string,
): Promise<{ seconds: number; rssMb: number; code: number | null }> {
  const lines = ["package_id,cargo_company,tracking_number,query_number"];
  for (let i = 0; i < rows; i++) lines.push(`${FIRST_ID + i},${1 + (i % 8)},BENCH-${rows}-${i},`);
  const input = join(dir, `bench-${rows}.csv`);
  await writeFile(input, `${lines.join("\n")}\n`);
  const started = performance.now();
  // /usr/bin/time is not everywhere; the child reports its own peak RSS on exit instead.
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--import", "./bench/report-rss.ts", "src/import/main.ts", input],
    {
      env: { PATH: process.env.PATH ?? "", IMPORT_GATEWAY_URL: gatewayUrl, IMPORT_CHUNK_SIZE: "100" },
      stdio: ["ignore", "inherit", "pipe"],
    },
  );
  let stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  const seconds = (performance.now() - started) / 1000;
  const rss = /peak rss (\d+)/.exec(stderr)?.[1];
  return { seconds, rssMb: Number(rss ?? 0) / 1024 / 1024, code };
}

const h = await startHarness(
  { BULK_CONCURRENCY: String(CONCURRENCY), LOG_LEVEL: "warn" },
  { latencyMs: LATENCY_MS, recordRequests: false },
);
const template = h.sim.getPackage(2000);
if (!template) throw new Error("the simulator has no package 2000");
for (let i = 0; i < 11_000; i++)
  h.sim.setPackage({ ...template, id: FIRST_ID + i, number: `PKG-${FIRST_ID + i}` });
const dir = await mkdtemp(join(tmpdir(), "oms-import-bench-"));
try {
  const small = await importRows(1_000, `${h.url}/graphql`, dir);
  for (let i = 0; i < 11_000; i++)
    h.sim.setPackage({ ...template, id: FIRST_ID + i, number: `PKG-${FIRST_ID + i}` });
  const big = await importRows(10_000, `${h.url}/graphql`, dir);
  const floor = (Math.ceil(10_000 / CONCURRENCY) * LATENCY_MS) / 1000;
  process.stdout.write(
    `\n10,000 rows: ${big.seconds.toFixed(1)} s (exit ${big.code}); floor ceil(10000/${CONCURRENCY}) x ${LATENCY_MS} ms = ${floor.toFixed(1)} s; ` +
      `ratio ${(big.seconds / floor).toFixed(3)} (target 1.15)\n` +
      `peak RSS: ${small.rssMb.toFixed(0)} MB for 1,000 rows, ${big.rssMb.toFixed(0)} MB for 10,000 rows\n`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
  await h.close();
}
