/**
 * `npm run oms:simulator`: the OMS simulator alone, for frontends and tools that want a realistic
 * OMS without the gateway. Its settings are its own (see config.ts); exit 78 on a bad one.
 */
import { loadSimulatorConfig, type SimulatorConfig, SimulatorConfigError } from "./config.js";
import { type AccessLogEntry, startSimulator } from "./index.js";

let config: SimulatorConfig;
try {
  config = loadSimulatorConfig(process.env);
} catch (error) {
  if (!(error instanceof SimulatorConfigError)) throw error;
  process.stderr.write(`oms-simulator: ${error.message}\n`);
  process.exit(78);
}

// What the OMS received and how it answered, as an OMS's own access log would show it: with several
// gateways in front, the one place that counts the commands each package really got.
function logAnswer(entry: AccessLogEntry): void {
  const lost = entry.answered ? "" : " (answer lost)";
  const requestId = entry.requestId === undefined ? "" : ` x-request-id=${entry.requestId}`;
  process.stdout.write(`${entry.method} ${entry.url} ${entry.status}${lost} ${entry.ms} ms${requestId}\n`);
}

const simulator = await startSimulator({
  ...config,
  onAnswer: config.accessLog ? logAnswer : undefined,
}).catch((error: Error) => {
  process.stderr.write(`oms-simulator: cannot listen on ${config.host}:${config.port}: ${error.message}\n`);
  process.exit(1);
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
