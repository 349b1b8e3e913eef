/**
 * Starts the whole gateway as `npm start` runs it: the embedded OMS simulator when no OMS is
 * configured, then the HTTP server, listening. Used by main.ts and by tests that need the real thing.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createServer, type GatewayServer } from "./server.js";
import { type OmsSimulator, startSimulator } from "./simulator/index.js";

export interface RunningGateway {
  server: GatewayServer;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
  /** Where /metrics is served: on `url`, or on METRICS_PORT. */
  metricsUrl: string;
  /** The embedded simulator, when the gateway runs on one. */
  simulator: OmsSimulator | null;
  stop(graceMs?: number): Promise<void>;
}

export async function startGateway(config: Config, deps: { log?: Logger } = {}): Promise<RunningGateway> {
  let simulator: OmsSimulator | null = null;
  let effective = config;
  if (config.oms.baseUrl === null) {
    // Port 0 in tests; the gateway only needs to know where the simulator ended up.
    simulator = await startSimulator({ host: "127.0.0.1", port: 0, token: config.oms.token });
    effective = { ...config, oms: { ...config.oms, baseUrl: simulator.url } };
  }
  try {
    const server = await createServer(effective, deps);
    const url = await listen(server.httpServer, config.port, config.host);
    const { metricsServer } = server;
    let metricsUrl = `${url}/metrics`;
    if (metricsServer !== null) {
      try {
        metricsUrl = `${await listen(metricsServer, config.metrics.port ?? 0, config.host)}/metrics`;
      } catch (error) {
        await server.stop(0);
        throw error;
      }
    }
    return {
      server,
      url,
      metricsUrl,
      simulator,
      async stop(graceMs) {
        // Scrapes go on while requests drain; nothing is in flight on this port worth waiting for.
        await server.stop(graceMs);
        if (metricsServer !== null) {
          const closed = new Promise((resolve) => metricsServer.close(resolve));
          metricsServer.closeAllConnections();
          await closed;
        }
        await simulator?.close();
      },
    };
  } catch (error) {
    await simulator?.close();
    throw error;
  }
}

// Private: resolves with the server's base URL once it listens.
async function listen(server: Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return `http://${host.includes(":") ? `[${host}]` : host}:${address.port}`;
}
