/**
 * `npm run oms:simulator`: the OMS simulator alone, for frontends and tools that want a realistic
 * OMS without the gateway. Settings: OMS_SIMULATOR_PORT, OMS_SIMULATOR_LATENCY_MS, HOST.
 */
import { ConfigError, loadConfig } from "../config.js";
import { startSimulator } from "./index.js";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`oms-simulator: ${error.message}\n`);
  process.exit(78);
}

const simulator = await startSimulator({
  host: config.host,
  port: config.simulatorPort,
  latencyMs: config.simulatorLatencyMs,
});
process.stdout.write(
  `OMS simulator listening on ${simulator.url}\n` +
    `  token: ${simulator.token} (send "Authorization: Token ${simulator.token}")\n` +
    `  try:   curl -H "Authorization: Token ${simulator.token}" ${simulator.url}/api/v1/oms/packages/1001/\n`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    simulator.close().then(() => process.exit(0));
  });
}
