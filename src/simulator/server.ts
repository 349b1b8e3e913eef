import { createServer } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { DEMO_OMS_TOKEN } from "./demo-data.js";
import { FaultBook } from "./faults.js";
import { InFlight } from "./in-flight.js";
import { createRequestListener } from "./pipeline.js";
import { RequestRecorder } from "./recorder.js";
import { PackageStore } from "./store.js";
import { Delays } from "./timers.js";
import type { FaultRule, OmsSimulator, SimulatorOptions } from "./types.js";
import type { OmsPackage } from "./wire.js";

/** Starts the simulated OMS on a real socket; resolves once it is listening. */
export async function startSimulator(options: SimulatorOptions = {}): Promise<OmsSimulator> {
  const host = options.host ?? "127.0.0.1";
  const token = options.token ?? DEMO_OMS_TOKEN;
  const authScheme = options.authScheme ?? "Token";
  const recorder =
    options.recordRequests === false ? undefined : new RequestRecorder(options.maxRecordedRequests ?? 10_000);
  const faults = new FaultBook();
  const inFlight = new InFlight();
  const delays = new Delays();
  const sockets = new Set<Socket>();
  let closed = false;

  const server = createServer();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const ownHost = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const url = `http://${ownHost}`;
  // The store needs the listening URL for its label links; no request can arrive before this handler anyway.
  const store = new PackageStore(url);
  const api = { store, authScheme, token };
  server.on(
    "request",
    createRequestListener({
      api,
      faults,
      inFlight,
      delays,
      recorder,
      latencyMs: options.latencyMs ?? 0,
      ownHost,
      isClosed: () => closed,
    }),
  );

  let closing: Promise<void> | undefined;
  const emptyRequests: readonly never[] = [];

  return {
    url,
    port,
    token,
    get requests() {
      return recorder?.requests ?? emptyRequests;
    },
    clearRequests: () => recorder?.clear(),
    injectFault: (rule: FaultRule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    reset() {
      store.reset();
      recorder?.clear();
      faults.clear();
      inFlight.resetMaxima();
    },
    getPackage: (id: number): OmsPackage | undefined => {
      const pkg = store.get(id);
      return pkg && structuredClone(pkg);
    },
    setPackage: (pkg: OmsPackage) => store.set(pkg),
    get stats() {
      return { ...inFlight.stats };
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        closed = true;
        delays.cancelAll();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}
