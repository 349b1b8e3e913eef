import { createServer, type Server } from "node:http";
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
  const recorder =
    options.recordRequests === false ? undefined : new RequestRecorder(options.maxRecordedRequests ?? 10_000);
  const parts = { faults: new FaultBook(), inFlight: new InFlight(), delays: new Delays(), recorder };
  const state = { closed: false };
  const server = createServer();
  const sockets = trackSockets(server);
  const port = await listen(server, options.port ?? 0, host);
  const ownHost = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const url = `http://${ownHost}`;
  // The store needs the listening URL for its label links; no request can arrive before this handler anyway.
  const store = new PackageStore(url);
  const token = options.token ?? DEMO_OMS_TOKEN;
  const api = { store, authScheme: options.authScheme ?? "Token", token };
  server.on(
    "request",
    createRequestListener({
      api,
      ...parts,
      latencyMs: options.latencyMs ?? 0,
      onAnswer: options.onAnswer,
      ownHost,
      isClosed: () => state.closed,
    }),
  );
  const close = () =>
    new Promise<void>((resolve) => {
      state.closed = true;
      parts.delays.cancelAll();
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
  return handle({ url, port, token, store, ...parts, close });
}

const NO_REQUESTS: readonly never[] = [];

// Private: what tests and the demo hold of a running simulator.
function handle(sim: {
  url: string;
  port: number;
  token: string;
  store: PackageStore;
  recorder: RequestRecorder | undefined;
  faults: FaultBook;
  inFlight: InFlight;
  close: () => Promise<void>;
}): OmsSimulator {
  const { store, recorder, faults, inFlight } = sim;
  let closing: Promise<void> | undefined;
  return {
    url: sim.url,
    port: sim.port,
    token: sim.token,
    get requests() {
      return recorder?.requests ?? NO_REQUESTS;
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
      closing ??= sim.close();
      return closing;
    },
  };
}

// Private: open sockets, destroyed at close so keep-alive connections do not hold it open.
function trackSockets(server: Server): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  });
  return sockets;
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}
