/**
 * Idempotency-Key on Redis across gateway replicas and outages: a replay served by another replica,
 * exactly one replica running a request that reaches both, and 503 with no OMS call for keyed
 * mutations once Redis is gone. Needs the Debian package redis-server.
 */
import type { AddressInfo } from "node:net";
import { print } from "graphql";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createServer, type GatewayServer } from "../../src/server.js";
import { type UpdatePackageShipmentInput, UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "../helpers/harness.js";
import {
  CALLER_A,
  expectFresh,
  expectRefusal,
  expectReplayOf,
  input,
  REUSED,
  requestLine,
  single,
  untilStoreAnswers,
} from "../helpers/idempotency.js";
import { newKey } from "../helpers/idempotency-key.js";
import { commandPath } from "../helpers/oms-paths.js";
import { type RedisServer, SKIP_REDIS, startRedis } from "../helpers/redis.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const STORE_DOWN = "The idempotency store is unavailable; the request was not run. Try again shortly.";

// ---------------------------------------------------------------------------------------------

describe.skipIf(SKIP_REDIS)("Idempotency-Key on Redis across gateway replicas and outages", () => {
  let redis: RedisServer;
  let h: Harness;
  /** A second gateway on the same simulator and the same Redis, as a load balancer would see it. */
  let replica: { server: GatewayServer; url: string; logs: string[] };

  beforeAll(async () => {
    redis = await startRedis();
    h = await startHarness({ REDIS_URL: redis.url, API_KEYS: "key-a" });
    const logs: string[] = [];
    const server = await createServer(
      loadConfig({
        OMS_BASE_URL: h.sim.url,
        OMS_API_TOKEN: h.sim.token,
        OMS_SHIPMENT_TRANSITIONS: "packed:41,shipped:42,delivered:43,attempted_delivery:44",
        REDIS_URL: redis.url,
        API_KEYS: "key-a",
        PORT: "0",
      }),
      { log: createLogger("debug", { write: (line: string) => void logs.push(line) }) },
    );
    await new Promise<void>((resolve) => server.httpServer.listen(0, "127.0.0.1", resolve));
    replica = { server, url: `http://127.0.0.1:${(server.httpServer.address() as AddressInfo).port}`, logs };
    await untilStoreAnswers(h, CALLER_A);
  }, 30_000);
  afterAll(async () => {
    await replica?.server.stop(1_000);
    await h?.close();
    await redis?.stop();
  });
  beforeEach(() => h.sim.reset());

  it("answers a keyed mutation sent as soon as the gateway listens, while its Redis client may still be connecting", async () => {
    const fresh = await startHarness({ REDIS_URL: redis.url });
    try {
      const res = await single(fresh, input(2120, "AT-START"), { "idempotency-key": newKey() });
      expectFresh(res);
      expect(res.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(fresh.commands()).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  async function toReplica(value: UpdatePackageShipmentInput, headers: Record<string, string>) {
    const res = await request(`${replica.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({
        query: print(UpdateShipmentOnlyDocument),
        variables: { input: value },
      }),
    });
    const text = await res.body.text();
    return {
      status: res.statusCode,
      headers: res.headers,
      body: JSON.parse(text),
      text,
    } as GraphQLResult<unknown>;
  }

  it("answers a replay sent to the second gateway from the first gateway's stored response", async () => {
    const headers = { ...CALLER_A, "idempotency-key": newKey() };
    const first = await single(h, input(2100, "REPLICA"), headers);
    expectFresh(first);
    expect(h.commands()).toHaveLength(1);

    expectReplayOf(await toReplica(input(2100, "REPLICA"), headers), first);
    const reused = await toReplica(input(2100, "REPLICA-2"), headers);
    expectRefusal(reused, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
    expect(h.sim.requests).toHaveLength(1);
  });

  it("lets exactly one replica run a request that reaches both at once", async () => {
    h.sim.injectFault({ path: commandPath(2101), times: 1, fault: { kind: "latency", ms: 300 } });
    const headers = { ...CALLER_A, "idempotency-key": newKey() };
    const [viaFirst, viaReplica] = await Promise.all([
      single(h, input(2101, "BOTH"), headers),
      toReplica(input(2101, "BOTH"), headers),
    ]);
    expect(viaFirst.text).toBe(viaReplica.text);
    expect(
      [viaFirst.headers["idempotent-replayed"], viaReplica.headers["idempotent-replayed"]].sort(),
    ).toStrictEqual(["true", undefined]);
    expect(h.commands()).toHaveLength(1);
  });

  it("refuses keyed mutations with 503 and no OMS call once Redis is gone; keyless ones still run", async () => {
    const own = await startRedis();
    const gateway = await startHarness({ REDIS_URL: own.url });
    try {
      await untilStoreAnswers(gateway);
      const key = newKey();
      const first = await single(gateway, input(2110, "BEFORE"), { "idempotency-key": key });
      expectFresh(first);
      expect(gateway.commands()).toHaveLength(1);

      await own.stop();
      const during = await single(gateway, input(2111, "DURING"), {
        "idempotency-key": newKey(),
        "x-request-id": "redis-down",
      });
      expectRefusal(during, 503, "IDEMPOTENCY_STORE_UNAVAILABLE", STORE_DOWN);
      const replay = await single(gateway, input(2110, "BEFORE"), { "idempotency-key": key });
      expectRefusal(replay, 503, "IDEMPOTENCY_STORE_UNAVAILABLE", STORE_DOWN);
      expect(gateway.sim.requests).toHaveLength(1);

      const keyless = await single(gateway, input(2112, "NO-KEY"), {});
      expect(keyless.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(gateway.commands()).toHaveLength(2);

      const line = await requestLine(gateway, "redis-down");
      expect(line.status).toBe(503);
      expect(
        gateway.logs.some(
          (l) => l.msg === "idempotency store failed before the request ran" && l.requestId === "redis-down",
        ),
      ).toBe(true);
      expect(gateway.rawLogs.filter((l) => l.includes(key))).toStrictEqual([]);
    } finally {
      await gateway.close();
      await own.stop();
    }
  });
});
