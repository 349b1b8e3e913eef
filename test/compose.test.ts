/**
 * compose.yaml, checked as far as a machine without Docker can: the topology of `npm run cluster`
 * (Redis, the OMS simulator, two replicas built from the Dockerfile, haproxy, the orders subgraph and
 * Hive Gateway), every address agreeing with the image's ports and the committed supergraph, each
 * replica's environment passing the gateway's own configuration check in production, haproxy's check
 * of its configuration, and the router's configuration passing on the four headers oms-graph needs.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { parse } from "yaml";
import { loadConfig } from "../src/config.js";
import { argsOf, envOf, readDockerfile } from "./helpers/dockerfile.js";
import { IN_CI } from "./helpers/redis.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

interface Service {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[];
}

const compose = parse(read("compose.yaml"), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const STAGES = readDockerfile();
const stageEnv = (name: string) =>
  envOf(STAGES.find((s) => s.name === name) ?? { name, from: "", instructions: [] });

/** Compose's interpolation: `${NAME}`, `${NAME:-default}`, and `${NAME:?message}`, which fails when unset. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(/\$\{(\w+)(?::([-?])([^}]*))?\}/g, (_, name: string, kind?: string, rest?: string) => {
    const set = env[name];
    if (set !== undefined && set !== "") return set;
    if (kind === "?") throw new Error(`${name}: ${rest}`);
    return kind === "-" ? (rest ?? "") : "";
  });
}

function environment(service: string, env: Record<string, string>): Record<string, string> {
  const raw = services[service]?.environment ?? {};
  return Object.fromEntries(
    Object.entries(raw).map(([name, value]) => [name, interpolate(String(value), env)]),
  );
}

/** A bind mount's host path, checked to exist, and where it goes in the container. */
function mounts(service: string): Record<string, string> {
  return Object.fromEntries(
    (services[service]?.volumes ?? []).map((volume) => {
      const [host = "", container = ""] = volume.split(":");
      expect(existsSync(new URL(`../${host}`, import.meta.url)), host).toBe(true);
      return [host.replace(/^\.\//, ""), container];
    }),
  );
}

const USER_ENV = { ROUTER_SECRET: "compose-router-secret-0001", API_KEYS: "compose-api-key-000000001" };
const supergraphUrl = (graph: string) =>
  new URL(
    new RegExp(`@join__graph\\(name: "${graph}", url: "([^"]+)"\\)`).exec(
      read("cluster/supergraph.graphql"),
    )?.[1] ?? "",
  );

describe("compose.yaml", () => {
  it("has the cluster's topology: Redis, the OMS simulator, two replicas, haproxy, the orders subgraph, a router", () => {
    expect(Object.keys(services).sort()).toEqual(
      ["gateway-a", "gateway-b", "oms", "oms-graph", "orders", "redis", "router"].sort(),
    );
    expect(services.oms?.build).toEqual({ context: ".", target: "oms-simulator" });
    for (const replica of ["gateway-a", "gateway-b"]) {
      expect(services[replica]?.build).toEqual({ context: ".", target: "gateway" });
      expect(services[replica]?.ports).toBeUndefined();
    }
    expect(STAGES.map((s) => s.name)).toEqual(expect.arrayContaining(["gateway", "oms-simulator"]));
    expect(services.router?.ports).toEqual(["4000:4000"]);
  });

  it("gives both replicas one environment that the gateway accepts in production, sharing Redis and the OMS", () => {
    const a = environment("gateway-a", USER_ENV);
    expect(environment("gateway-b", USER_ENV)).toEqual(a);
    expect(new URL(a.REDIS_URL ?? "").host).toBe("redis:6379");
    expect(a.OMS_BASE_URL).toBe(`http://oms:${stageEnv("oms-simulator").OMS_SIMULATOR_PORT}`);
    const config = loadConfig({ ...stageEnv("gateway"), ...a });
    expect(config.production).toBe(true);
    expect(config.idempotency).toMatchObject({ redisUrl: a.REDIS_URL });
  });

  it("refuses to start without the router secret and API keys rather than ship default secrets", () => {
    expect(() => environment("gateway-a", { API_KEYS: USER_ENV.API_KEYS })).toThrow(/ROUTER_SECRET/);
    expect(() => environment("gateway-a", { ROUTER_SECRET: USER_ENV.ROUTER_SECRET })).toThrow(/API_KEYS/);
    expect(() => environment("router", {})).toThrow(/ROUTER_SECRET/);
  });

  it("puts haproxy where the supergraph sends oms-graph's requests, in front of both replicas' ports", () => {
    const packages = supergraphUrl("packages");
    expect(packages.hostname).toBe("oms-graph");
    const env = environment("oms-graph", {});
    expect(env.LB_BIND).toBe(`:${packages.port}`);
    const port = stageEnv("gateway").PORT;
    expect([env.REPLICA_A, env.REPLICA_B]).toEqual([`gateway-a:${port}`, `gateway-b:${port}`]);
    expect(mounts("oms-graph")).toEqual({ "cluster/haproxy.cfg": "/usr/local/etc/haproxy/haproxy.cfg" });
    const orders = supergraphUrl("orders");
    expect(orders.hostname).toBe("orders");
    expect(
      envOf(readDockerfile(new URL("../examples/orders-subgraph/Dockerfile", import.meta.url))[0] as never)
        .PORT,
    ).toBe(orders.port);
  });

  it.skipIf(!IN_CI && spawnSync("haproxy", ["-v"]).error !== undefined)(
    "gives haproxy a configuration it accepts with those settings",
    () => {
      const check = spawnSync("haproxy", ["-c", "-f", "cluster/haproxy.cfg"], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? "", ...environment("oms-graph", {}) },
        encoding: "utf8",
      });
      expect(check.status, `${check.stdout}${check.stderr}`).toBe(0);
    },
  );

  it("runs the pinned Hive Gateway with the committed configuration and supergraph, and the replicas' secret", () => {
    const pkg = JSON.parse(read("package.json"));
    expect(services.router?.image).toBe(
      `ghcr.io/graphql-hive/gateway:${pkg.devDependencies["@graphql-hive/gateway"]}`,
    );
    expect(mounts("router")).toEqual({
      "cluster/gateway.config.ts": "/gateway/gateway.config.ts",
      "cluster/supergraph.graphql": "/gateway/supergraph.graphql",
    });
    expect(services.router?.command).toEqual(["supergraph", "supergraph.graphql"]);
    expect(environment("router", USER_ENV).OMS_GRAPH_ROUTER_SECRET).toBe(
      environment("gateway-a", USER_ENV).ROUTER_SECRET,
    );
  });

  it("builds the orders subgraph from files that exist", () => {
    const dockerfile = services.orders?.build?.dockerfile ?? "";
    const [stage] = readDockerfile(new URL(`../${dockerfile}`, import.meta.url));
    for (const copy of argsOf(stage as never, "COPY")) {
      for (const path of copy.split(" ").slice(0, -1))
        expect(existsSync(new URL(`../${path}`, import.meta.url)), path).toBe(true);
    }
  });
});

describe("the router's configuration (cluster/gateway.config.ts)", () => {
  it("passes Authorization, Idempotency-Key, traceparent and x-request-id on, and the secret to oms-graph only", async () => {
    vi.stubEnv("OMS_GRAPH_ROUTER_SECRET", "router-config-secret-01");
    const { gatewayConfig } = await import("../cluster/gateway.config.js");
    vi.unstubAllEnvs();
    const caller = new Request("http://router/graphql", {
      method: "POST",
      headers: {
        authorization: "Bearer caller-key",
        "idempotency-key": "key-1",
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "x-request-id": "req-1",
        cookie: "session=1",
        "x-forwarded-for": "203.0.113.9",
      },
    });
    const forward = gatewayConfig.propagateHeaders?.fromClientToSubgraphs;
    const headersFor = (subgraphName: string) =>
      forward?.({ request: caller, subgraphName, context: {} as never });
    const callerHeaders = {
      authorization: "Bearer caller-key",
      "idempotency-key": "key-1",
      traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "x-request-id": "req-1",
    };
    expect(await headersFor("packages")).toEqual({
      ...callerHeaders,
      "router-authorization": "router-config-secret-01",
    });
    expect(await headersFor("orders")).toEqual(callerHeaders);
  });
});

describe("the README's router configuration snippets", () => {
  it("pass on the same four headers", () => {
    const readme = read("README.md");
    const snippets = [...readme.matchAll(/```(?:yaml|ts)\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? "")
      .filter((text) => /propagate|headers:/.test(text));
    expect(snippets.length).toBeGreaterThan(0);
    for (const snippet of snippets) {
      for (const header of ["Authorization", "Idempotency-Key", "traceparent", "x-request-id"]) {
        expect(snippet.toLowerCase(), snippet).toContain(header.toLowerCase());
      }
    }
  });
});
