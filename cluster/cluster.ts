/**
 * oms-graph as several replicas behind a router, on loopback: Redis, one OMS (the standalone
 * simulator), the example orders subgraph, two gateway replicas sharing Redis for idempotency keys,
 * haproxy balancing the router's subgraph requests over the replicas, and Hive Gateway as the
 * router over a supergraph composed for these addresses. `npm run cluster` (cluster/start.ts) and
 * test/cluster/ start it through startCluster.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_OMS_TOKEN } from "../src/simulator/demo-data.js";
import { Service } from "./processes.js";
import { composeSupergraph } from "./supergraph.js";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The simulator's token, and the key a caller may use on a replica's own /graphql. */
export const OMS_TOKEN = DEMO_OMS_TOKEN;
export const DEMO_API_KEY = "cluster-demo-api-key-0001";

export interface ClusterOptions {
  /** Where oms-graph.mjs and oms-simulator.mjs are (`npm run bundle`); default dist/. */
  bundleDir?: string;
  /** The router's port; default any free one. */
  routerPort?: number;
  /** Settings added to both replicas' (OMS_TIMEOUT_MS, LOG_LEVEL, ...). */
  replicaEnv?: Record<string, string>;
  /** Settings added to the simulator's (OMS_SIMULATOR_LATENCY_MS, ...). */
  simulatorEnv?: Record<string, string>;
  onLine?: (service: string, line: string) => void;
}

export interface Replica {
  name: "a" | "b";
  /** e.g. http://127.0.0.1:40123, without a path. */
  url: string;
  service: Service;
}

export interface Cluster {
  /** The router's GraphQL endpoint: what callers use. */
  routerUrl: string;
  /** haproxy, in front of the replicas' /subgraph. */
  balancerUrl: string;
  omsUrl: string;
  ordersUrl: string;
  redisUrl: string;
  replicas: readonly [Replica, Replica];
  services: Record<"redis" | "oms" | "orders" | "balancer" | "router", Service>;
  stop(): Promise<void>;
}

export async function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), "oms-graph-cluster-"));
  const started: Service[] = [];
  const launch = (name: string, command: string, args: string[], env: Record<string, string>) => {
    const fullEnv = { PATH: process.env.PATH ?? "", ...env };
    const service = new Service({ name, command, args, env: fullEnv, onLine: options.onLine });
    started.push(service);
    return service;
  };
  const stop = async () => {
    // Callers first, then what they call.
    for (const group of [
      ["router", "balancer"],
      ["a", "b"],
      ["orders", "oms", "redis"],
    ]) {
      await Promise.all(started.filter((s) => group.includes(s.name)).map((s) => s.stop()));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    return await startAll(options, dir, launch, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

type Launch = (name: string, command: string, args: string[], env: Record<string, string>) => Service;

async function startAll(
  options: ClusterOptions,
  dir: string,
  launch: Launch,
  stop: () => Promise<void>,
): Promise<Cluster> {
  const bundles = options.bundleDir ?? join(ROOT, "dist");
  const [redisPort, omsPort, ordersPort, balancerPort, routerPort] = await freePorts(5);
  const routerSecret = randomBytes(16).toString("hex");
  const redisArgs = ["--port", `${redisPort}`, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const redis = launch("redis", "redis-server", [...redisArgs, "--dir", dir], {});
  const oms = launch("oms", process.execPath, [join(bundles, "oms-simulator.mjs")], {
    OMS_SIMULATOR_PORT: `${omsPort}`,
    OMS_SIMULATOR_ACCESS_LOG: "true",
    ...options.simulatorEnv,
  });
  const ordersArgs = ["--import", "tsx", join(ROOT, "examples/orders-subgraph/server.ts")];
  const orders = launch("orders", process.execPath, ordersArgs, { PORT: `${ordersPort}` });
  await Promise.all([
    redis.waitFor(/Ready to accept connections/),
    oms.waitFor(/OMS simulator listening on/),
    orders.waitFor(/orders subgraph listening on/),
  ]);
  const redisUrl = `redis://127.0.0.1:${redisPort}/0`;
  const omsUrl = `http://127.0.0.1:${omsPort}`;
  const replicaEnv = {
    NODE_ENV: "production",
    HOST: "127.0.0.1",
    PORT: "0",
    OMS_BASE_URL: omsUrl,
    OMS_API_TOKEN: OMS_TOKEN,
    OMS_SHIPMENT_TRANSITIONS: "packed:41,shipped:42,delivered:43,attempted_delivery:44",
    REDIS_URL: redisUrl,
    ROUTER_SECRET: routerSecret,
    API_KEYS: DEMO_API_KEY,
    ...options.replicaEnv,
  };
  const replicaArgs = ["--enable-source-maps", join(bundles, "oms-graph.mjs")];
  const startReplica = async (name: Replica["name"]): Promise<Replica> => {
    const service = launch(name, process.execPath, replicaArgs, replicaEnv);
    const listening = await service.waitFor(/"graphql":"(http:\/\/[^"]+)\/graphql"/);
    return { name, url: listening[1] as string, service };
  };
  const [a, b] = await Promise.all([startReplica("a"), startReplica("b")]);
  const balancer = launch("balancer", "haproxy", ["-db", "-f", join(ROOT, "cluster/haproxy.cfg")], {
    LB_BIND: `127.0.0.1:${balancerPort}`,
    REPLICA_A: hostPort(a.url),
    REPLICA_B: hostPort(b.url),
  });
  const balancerUrl = `http://127.0.0.1:${balancerPort}`;
  await untilAnswers(`${balancerUrl}/health/ready`, balancer);
  const ordersUrl = `http://127.0.0.1:${ordersPort}/`;
  const supergraph = join(dir, "supergraph.graphql");
  writeFileSync(supergraph, composeSupergraph({ packages: `${balancerUrl}/subgraph`, orders: ordersUrl }));
  const port = options.routerPort ?? routerPort;
  const hive = join(ROOT, "node_modules/.bin/hive-gateway");
  const routerArgs = ["supergraph", supergraph, "-c", join(ROOT, "cluster/gateway.config.ts")];
  const router = launch("router", hive, [...routerArgs, "-h", "127.0.0.1", "-p", `${port}`], {
    OMS_GRAPH_ROUTER_SECRET: routerSecret,
    NO_COLOR: "1",
  });
  await router.waitFor(/Listening on http/);
  return {
    routerUrl: `http://127.0.0.1:${port}/graphql`,
    balancerUrl,
    omsUrl,
    ordersUrl,
    redisUrl,
    replicas: [a, b],
    services: { redis, oms, orders, balancer, router },
    stop,
  };
}

function hostPort(url: string): string {
  return new URL(url).host;
}

async function freePorts(count: number): Promise<number[]> {
  // All held open at once, so no two are the same.
  const servers = await Promise.all(
    Array.from({ length: count }, async () => {
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      return server;
    }),
  );
  const ports = servers.map((server) => (server.address() as AddressInfo).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Polls `url` until it answers 200, or fails when `service` exits or 30 s pass. */
async function untilAnswers(url: string, service: Service): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!service.running) throw new Error(`${service.name} exited:\n${service.tail()}`);
    const status = await fetch(url).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) {
      throw new Error(`${service.name}: ${url} did not answer 200 in 30 s:\n${service.tail()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
