/**
 * The local cluster (cluster/cluster.ts) for tests: started from bundles built here with the npm
 * scripts' options, so no earlier build is needed, and read through what its programs print: the
 * balancer's line per request says which replica served it and which headers it carried, each
 * replica's request log what it did, and the OMS's access log every command it received.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { request } from "undici";
import { type Cluster, type ClusterOptions, OMS_TOKEN, startCluster } from "../../cluster/cluster.js";
import { bundleOptions, simulatorBundleOptions } from "../../src/tools/bundle.js";
import { type AnswerClass, classifyAnswer, type ItemAnswer } from "../audit/classify.js";
import { IN_CI } from "./redis.js";

const INSTALLED = ["redis-server", "haproxy"].every((p) => spawnSync(p, ["-v"]).error === undefined);
/** Without redis-server or haproxy the cluster specs are skipped on a workstation, and fail in CI. */
export const SKIP_CLUSTER = !INSTALLED && !IN_CI;
if (SKIP_CLUSTER) console.warn("redis-server or haproxy is not installed: the cluster specs are skipped");

export interface TestCluster extends Cluster {
  /** Stops the cluster and removes the bundles. */
  close(): Promise<void>;
}

export async function startTestCluster(
  options: Pick<ClusterOptions, "replicaEnv" | "simulatorEnv">,
): Promise<TestCluster> {
  const bundleDir = await mkdtemp(join(tmpdir(), "oms-graph-cluster-bundles-"));
  await Promise.all([
    build(bundleOptions(join(bundleDir, "oms-graph.mjs"))),
    build(simulatorBundleOptions(join(bundleDir, "oms-simulator.mjs"))),
  ]);
  const cluster = await startCluster({ ...options, bundleDir });
  return {
    ...cluster,
    async close() {
      await cluster.stop();
      await rm(bundleDir, { recursive: true, force: true });
    },
  };
}

export interface RouterAnswer {
  /** null: no HTTP answer at all. */
  status: number | null;
  // biome-ignore lint/suspicious/noExplicitAny: the specs check the shape of this JSON.
  body: any;
}

/** One POST to the router's /graphql. */
export async function postToRouter(
  cluster: Cluster,
  query: string,
  variables: unknown,
  headers: Record<string, string>,
): Promise<RouterAnswer> {
  try {
    const res = await request(cluster.routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.statusCode, body: await res.body.json() };
  } catch {
    return { status: null, body: null };
  }
}

/**
 * What a router's answer claims about each item (test/audit/classify.ts's classes). The router
 * answers 200 for what oms-graph answered 409 or 422 and keeps its error codes, marked with the
 * subgraph's name; an error of the router's own (a replica that died mid-request) claims nothing.
 */
export function classifyRouterAnswer(
  kind: "single" | "bulk",
  size: number,
  answer: RouterAnswer,
): ItemAnswer[] {
  const error = answer.body?.errors?.[0];
  const lost = (code: string): ItemAnswer[] => Array.from({ length: size }, () => ({ class: "lost", code }));
  if (answer.status === null) return lost("NO_ANSWER");
  const field = answer.body?.data?.[kind === "single" ? "updatePackageShipment" : "updatePackageShipments"];
  if (field == null && error !== undefined) {
    if (error.extensions?.serviceName === undefined) return lost(`ROUTER_${error.extensions?.code}`);
    if (error.extensions.code === "IDEMPOTENCY_KEY_IN_PROGRESS") {
      const inProgress: AnswerClass = "in-progress";
      return Array.from({ length: size }, () => ({ class: inProgress, code: error.extensions.code }));
    }
  }
  return classifyAnswer(kind, size, answer.status, answer.body);
}

export interface BalancerLine {
  replica: string;
  status: number;
  path: string;
  traceparent: string;
  idempotencyKey: boolean;
}

const BALANCER_LINE =
  /^lb (\S+) (-?\d+) \S+ (\S+) \d+ ms x-request-id=(\S+) traceparent=(\S+) idempotency-key=(\d)$/;

/** The balancer's line for the request with this x-request-id, once the request has ended. */
export function balancerLine(cluster: Cluster, requestId: string): BalancerLine | undefined {
  for (const line of cluster.services.balancer.lines()) {
    const match = BALANCER_LINE.exec(line);
    if (match?.[4] !== requestId) continue;
    const [, replica = "", status, path = "", , traceparent = "", key] = match;
    return { replica, status: Number(status), path, traceparent, idempotencyKey: key !== "0" };
  }
  return undefined;
}

/** The replica's request log line for this x-request-id. */
export function replicaLog(
  cluster: Cluster,
  replica: string,
  requestId: string,
): Record<string, unknown> | undefined {
  const service = cluster.replicas.find((r) => r.name === replica)?.service;
  for (const line of service?.lines() ?? []) {
    if (!line.includes(`"requestId":${JSON.stringify(requestId)}`)) continue;
    const entry = JSON.parse(line) as Record<string, unknown>;
    if (entry.msg === "request") return entry;
  }
  return undefined;
}

/** The update-shipment commands the OMS applied (answered 204) to this package, from its access log. */
export function appliedCommands(cluster: Cluster, packageId: number | string): string[] {
  const prefix = `POST /api/v1/oms/packages/${packageId}/command/ 204`;
  return cluster.services.oms.lines().filter((line) => line.startsWith(prefix));
}

/** The package's tracking number as the OMS holds it now. */
export async function omsTrackingNumber(
  cluster: Cluster,
  packageId: number | string,
): Promise<string | null> {
  const res = await request(`${cluster.omsUrl}/api/v1/oms/packages/${packageId}/`, {
    headers: { authorization: `Token ${OMS_TOKEN}` },
  });
  const body = (await res.body.json()) as { shipment?: { awb_number?: string } | null };
  return body.shipment?.awb_number ?? null;
}
