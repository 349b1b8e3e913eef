/**
 * The OMS side of the benchmark: the simulator in fast mode (no request recording), plus a control
 * port that reports how many OMS requests arrived, for the runs that count calls.
 * Prints one JSON line `{url, control}` when ready.
 */
import "reflect-metadata";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { startSimulator } from "../src/simulator/index.js";

const latencyMs = Number(process.argv[2] ?? 0);
const counting = process.argv.includes("--count");
const sim = await startSimulator({
  port: 0,
  latencyMs,
  recordRequests: counting,
  maxRecordedRequests: 1_000_000,
});
const control = http.createServer((req, res) => {
  if (req.url === "/reset") sim.clearRequests();
  const byRoute: Record<string, number> = {};
  for (const r of sim.requests) {
    const route = r.path.includes("cargo_companies")
      ? "cargo_companies"
      : r.method === "POST"
        ? "command"
        : r.path === "/api/v1/oms/packages/"
          ? "package_list"
          : "package";
    byRoute[route] = (byRoute[route] ?? 0) + 1;
  }
  res.end(JSON.stringify({ total: sim.requests.length, byRoute, stats: sim.stats }));
});
await new Promise<void>((resolve) => control.listen(0, "127.0.0.1", resolve));
process.stdout.write(
  `${JSON.stringify({ url: sim.url, control: `http://127.0.0.1:${(control.address() as AddressInfo).port}` })}\n`,
);
process.on("SIGTERM", () => {
  control.close();
  void sim.close().then(() => process.exit(0));
});
