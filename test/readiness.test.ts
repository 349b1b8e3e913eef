/**
 * /health/ready as a load balancer reads it, through the real server: 503 while the circuit
 * breaker is open (even right after a healthy answer), back to 200 through the breaker's own probe
 * with no other traffic, and still 200 when the idempotency store (a real redis-server, stopped
 * here) is down, which the body and a metrics gauge show instead.
 */
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";
import { type RedisServer, SKIP_REDIS, startRedis } from "./helpers/redis.js";

const PROBE = "/api/v1/oms/packages/";

let h: Harness | undefined;
let redis: RedisServer | undefined;
afterEach(async () => {
  await h?.close();
  await redis?.stop();
  h = undefined;
  redis = undefined;
});

async function ready(harness: Harness): Promise<{ status: number; body: unknown }> {
  const res = await request(`${harness.url}/health/ready`);
  return { status: res.statusCode, body: await res.body.json() };
}

async function gauge(harness: Harness, name: string): Promise<string | undefined> {
  const text = await (await request(`${harness.url}/metrics`)).body.text();
  return new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1];
}

describe("/health/ready and the circuit breaker", () => {
  it("is 503 while the breaker is open although the OMS answered well a moment ago, then recovers through the breaker's probe", async () => {
    h = await startHarness({ OMS_BREAKER_THRESHOLD: "1", OMS_BREAKER_HALF_OPEN_MS: "300" });
    const query = await h.gql('{ package(id: "1002") { id } }');
    expect(query.body.errors).toBeUndefined();
    expect(await ready(h)).toEqual({
      status: 200,
      body: { status: "ready", checks: { oms: "ok", breaker: "closed", idempotencyStore: "ok" } },
    });

    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1003/",
      times: 1,
      fault: { kind: "status", status: 503 },
    });
    await h.gql('{ package(id: "1003") { id } }');
    h.sim.clearRequests();
    const open = {
      status: "oms_unreachable",
      checks: { oms: "unreachable", breaker: "open", idempotencyStore: "ok" },
    };
    expect(await ready(h)).toEqual({ status: 503, body: open });
    expect(await ready(h)).toEqual({ status: 503, body: open });
    // While open, readiness asks the OMS nothing.
    expect(h.sim.requests).toHaveLength(0);

    // No traffic at all: readiness's own check is the probe the breaker lets through, and closes it.
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect(await ready(h)).toEqual({
      status: 200,
      body: { status: "ready", checks: { oms: "ok", breaker: "closed", idempotencyStore: "ok" } },
    });
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${PROBE}`]);
    expect(await gauge(h, "oms_graph_oms_breaker_state")).toBe("0");
  });

  it("stays 503 when the breaker's probe fails, and probes no more often than the breaker allows", async () => {
    h = await startHarness({ OMS_BREAKER_THRESHOLD: "1", OMS_BREAKER_HALF_OPEN_MS: "300" });
    h.sim.injectFault({ method: "GET", path: PROBE, fault: { kind: "status", status: 503 } });
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1003/",
      times: 1,
      fault: { kind: "status", status: 503 },
    });
    await h.gql('{ package(id: "1003") { id } }');
    h.sim.clearRequests();
    await new Promise((resolve) => setTimeout(resolve, 350));
    expect((await ready(h)).status).toBe(503);
    for (let i = 0; i < 5; i++) expect((await ready(h)).status).toBe(503);
    expect(h.sim.requests).toHaveLength(1);
  });
});

describe.skipIf(SKIP_REDIS)("/health/ready and the idempotency store", () => {
  it("stays 200 when Redis is down, and shows it in the body and in oms_graph_idempotency_store_up", async () => {
    redis = await startRedis();
    h = await startHarness({ REDIS_URL: redis.url });
    const harness = h;
    await vi.waitFor(
      async () => expect((await ready(harness)).body).toMatchObject({ checks: { idempotencyStore: "ok" } }),
      {
        timeout: 5_000,
        interval: 20,
      },
    );
    expect(await gauge(harness, "oms_graph_idempotency_store_up")).toBe("1");

    await redis.stop();
    await vi.waitFor(async () => expect(await gauge(harness, "oms_graph_idempotency_store_up")).toBe("0"), {
      timeout: 5_000,
      interval: 20,
    });
    expect(await ready(harness)).toEqual({
      status: 200,
      body: { status: "ready", checks: { oms: "ok", breaker: "closed", idempotencyStore: "unreachable" } },
    });
    // The replica still serves what does not need the store.
    const query = await harness.gql('{ package(id: "1002") { id } }');
    expect(query.body.data).toEqual({ package: { id: "1002" } });
  });

  it("reports the memory store as up", async () => {
    h = await startHarness();
    expect(await gauge(h, "oms_graph_idempotency_store_up")).toBe("1");
  });
});
