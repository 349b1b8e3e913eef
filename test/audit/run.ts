/**
 * The outcome audit at a size of one's choosing:
 *   npm run audit -- --seed 7 --requests 600 --store redis
 * Prints the table and every violation; exits 1 when there is any.
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runAudit } from "./engine.js";
import { REDIS_INSTALLED } from "./redis.js";
import { formatViolations, summarise } from "./table.js";

const { values } = parseArgs({
  options: {
    seed: { type: "string", default: "1" },
    requests: { type: "string", default: "400" },
    concurrency: { type: "string", default: "6" },
    store: { type: "string", default: REDIS_INSTALLED ? "both" : "memory" },
    "oms-timeout-ms": { type: "string", default: "1000" },
    /** Writes every request's attempts, the OMS's record and the process faults as JSON, per store. */
    dump: { type: "string" },
    transitions: { type: "string", default: "single" },
  },
});

function usage(message: string): never {
  process.stderr.write(
    `${message}\nusage: npm run audit -- [--seed N] [--requests N] [--concurrency N] ` +
      "[--store memory|redis|both] [--oms-timeout-ms N] [--transitions single|per-status] [--dump PATH-PREFIX]\n",
  );
  process.exit(2);
}

function positive(name: "seed" | "requests" | "concurrency" | "oms-timeout-ms"): number {
  const value = Number(values[name]);
  if (!Number.isSafeInteger(value) || value < (name === "seed" ? 0 : 1)) {
    usage(`--${name} must be a whole number, got ${values[name]}`);
  }
  return value;
}

// Ctrl-C exits through process.exit, so the gateways and Redis started for the run are killed.
process.on("SIGINT", () => process.exit(130));

const transitions = values.transitions;
if (transitions !== "single" && transitions !== "per-status") {
  usage(`--transitions must be single or per-status, got ${transitions}`);
}
const stores = values.store === "both" ? (["memory", "redis"] as const) : [values.store];
let failed = false;
for (const store of stores) {
  if (store !== "memory" && store !== "redis") usage(`--store must be memory, redis or both, got ${store}`);
  const report = await runAudit({
    seed: positive("seed"),
    requests: positive("requests"),
    concurrency: positive("concurrency"),
    store,
    omsTimeoutMs: positive("oms-timeout-ms"),
    transitions,
    log: (line) => process.stderr.write(`[${store}] ${line}\n`),
  });
  if (values.dump) {
    const { logs, commands, events } = report;
    writeFileSync(`${values.dump}.${store}.json`, JSON.stringify({ logs, commands, events }, null, 1));
  }
  process.stdout.write(
    `\nOutcome audit, seed ${values.seed}, ${values.requests} requests, ${store} store, ` +
      `${(report.durationMs / 1000).toFixed(1)} s\n\n${report.table}\n\n` +
      `violations: ${summarise(report.violations)}\n`,
  );
  if (report.violations.length > 0) {
    failed = true;
    process.stdout.write(`${formatViolations(report.violations, 200)}\n`);
  }
}
process.exit(failed ? 1 : 0);
