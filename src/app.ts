/**
 * Starts the whole gateway as `npm start` runs it: the embedded OMS simulator when no OMS is
 * configured, then the HTTP server, listening. Used by main.ts and by tests that need the real thing.
 */
import type { AddressInfo } from "node:net";
import type { Config } from "./config.js";
import type { Logger } from "./logger.js";
import { createServer, type GatewayServer } from "./server.js";
import { type OmsSimulator, startSimulator } from "./simulator/index.js";

export interface RunningGateway {
  server: GatewayServer;
  /** e.g. http://127.0.0.1:4000 */
  url: string;
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
    await new Promise<void>((resolve, reject) => {
      server.httpServer.once("error", reject);
      server.httpServer.listen(config.port, config.host, () => resolve());
    });
    const { port } = server.httpServer.address() as AddressInfo;
    const host = config.host.includes(":") ? `[${config.host}]` : config.host;
    return {
      server,
      url: `http://${host}:${port}`,
      simulator,
      async stop(graceMs) {
        await server.stop(graceMs);
        await simulator?.close();
      },
    };
  } catch (error) {
    await simulator?.close();
    throw error;
  }
}
