/**
 * The process entry point: the only place that reads process.env (through loadConfig), listens,
 * handles signals and calls process.exit.
 */
import "reflect-metadata";
import module from "node:module";
// Types only: erased, so nothing of the application loads before the compile cache is on.
import type { RunningGateway } from "./app.js";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";

// Node 22.1+ can cache compiled code between starts (the Docker image runs Node 24); older Nodes skip
// it. The application is imported after this line, dynamically, so that its modules use the cache.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

async function main(): Promise<void> {
  const { ConfigError, loadConfig } = await import("./config.js");
  // A configuration problem found while starting (an unreadable CARGO_COMPANIES_FILE) is one too.
  function exitOnConfigError(error: unknown): never {
    if (error instanceof ConfigError) {
      process.stderr.write(`oms-graph: ${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    exitOnConfigError(error);
  }
  // Loaded once the configuration is known to be good, so a mistake is reported at once.
  const { startGateway } = await import("./app.js");
  const { createLogger, flushLogger } = await import("./logger.js");
  const log = createLogger(config.logLevel);
  const gateway = await startGateway(config, { log }).catch(exitOnConfigError);
  announce(gateway, config, log);
  stopOnSignals(gateway, config.shutdownGraceMs, log, flushLogger);
}

// Private: where everything is, for the operator, and for a developer on the simulator how to try it.
function announce(gateway: RunningGateway, config: Config, log: Logger): void {
  const graphqlUrl = `${gateway.url}/graphql`;
  log.info(
    {
      graphql: graphqlUrl,
      metrics: gateway.metricsUrl,
      oms: gateway.simulator ? gateway.simulator.url : config.oms.baseUrl,
      simulator: gateway.simulator !== null,
      production: config.production,
    },
    "oms-graph listening",
  );
  if (gateway.simulator) {
    process.stdout.write(
      [
        "",
        `  oms-graph is running on the embedded OMS simulator (no OMS_BASE_URL set).`,
        `  GraphQL API and Apollo Sandbox: ${graphqlUrl}`,
        `  OMS simulator:                  ${gateway.simulator.url}  (token: ${gateway.simulator.token})`,
        `  Health:                         ${gateway.url}/health/ready`,
        "",
        "",
      ].join("\n"),
    );
  } else if (config.oms.transitions.kind === "perStatus" && config.oms.transitions.byStatus.size === 0) {
    log.warn("OMS_SHIPMENT_TRANSITIONS is not set: callers must pass transitionId with every update.");
  }
}

// Private: SIGTERM and SIGINT drain once, then exit with whether the drain went well.
function stopOnSignals(
  gateway: RunningGateway,
  graceMs: number,
  log: Logger,
  flushLogger: (log: Logger) => Promise<void>,
): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "draining: no new connections, finishing in-flight requests");
    gateway.stop(graceMs).then(
      async () => {
        log.info("stopped");
        await flushLogger(log);
        process.exit(0);
      },
      async (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        await flushLogger(log);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: unknown) => {
  process.stderr.write(
    `oms-graph failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
