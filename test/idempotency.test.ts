/**
 * Idempotency-Key on mutations, over real HTTP against the simulated OMS, with the in-memory store
 * and with a real redis-server (started here on an ephemeral loopback port, nothing persisted).
 * Every case checks what reached the OMS: a replay must never send a command again.
 *
 * The Redis half needs the Debian package redis-server. Without it the Redis half is skipped on a
 * workstation and fails in CI (CI=true), where it must run.
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { print } from "graphql";
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { createServer, type GatewayServer } from "../src/server.js";
import {
  PackageSummaryDocument,
  type UpdatePackageShipmentInput,
  UpdatePackageShipmentsDocument,
  UpdateShipmentOnlyDocument,
} from "./generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";
import { newKey } from "./helpers/idempotency-key.js";
import { commandPath } from "./helpers/oms-paths.js";
import { type RedisServer, SKIP_MESSAGE, SKIP_REDIS, startRedis } from "./helpers/redis.js";
import { until } from "./helpers/until.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const CALLER_A = { authorization: "Bearer key-a" };
const CALLER_B = { authorization: "Bearer key-b" };

const input = (packageId: number, trackingNumber: string): UpdatePackageShipmentInput => ({
  packageId: String(packageId),
  cargoCompanyId: "2",
  trackingNumber,
  transitionId: 41,
});

function single(h: Harness, value: UpdatePackageShipmentInput, headers: Record<string, string>) {
  return h.gql(UpdateShipmentOnlyDocument, { input: value }, headers);
}

function bulk(h: Harness, inputs: UpdatePackageShipmentInput[], headers: Record<string, string>) {
  return h.gql(UpdatePackageShipmentsDocument, { inputs }, headers);
}

function expectFresh(res: GraphQLResult<unknown>): void {
  expect(res.status).toBe(200);
  expect(res.headers["idempotent-replayed"]).toBeUndefined();
}

function expectReplayOf(res: GraphQLResult<unknown>, first: GraphQLResult<unknown>): void {
  expect(res.status).toBe(first.status);
  expect(res.headers["idempotent-replayed"]).toBe("true");
  expect(res.headers["content-type"]).toBe(first.headers["content-type"]);
  expect(res.text).toBe(first.text);
}

function expectRefusal(res: GraphQLResult<unknown>, status: number, code: string, message: string): void {
  expect(res.status).toBe(status);
  expect(res.headers["idempotent-replayed"]).toBeUndefined();
  expect(res.body).toStrictEqual({ errors: [{ message, extensions: { code } }] });
}

const REUSED =
  "This Idempotency-Key was already used for a different request; use a new key for a new request.";
const IN_PROGRESS = "A request with this Idempotency-Key is still running; ask again later for its result.";
const BAD_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters.";
const STORE_DOWN = "The idempotency store is unavailable; the request was not run. Try again shortly.";

/**
 * Waits until the gateway's idempotency store answers, probing with keyed mutations that are refused
 * before they run (a missing variable), so the probes reach neither the OMS nor the stored records.
 */
async function untilStoreAnswers(h: Harness, headers: Record<string, string> = {}): Promise<void> {
  const probe = JSON.stringify({
    query:
      "mutation Probe($input: UpdatePackageShipmentInput!) { updatePackageShipment(input: $input) { __typename } }",
  });
  const deadline = Date.now() + 5_000;
  for (;;) {
    const res = await h.post("/graphql", probe, { ...headers, "idempotency-key": newKey() });
    if (res.status !== 503) {
      expect(res.status).toBe(400);
      return;
    }
    if (Date.now() > deadline) throw new Error("the idempotency store did not answer within 5 s");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The request log line of one request; it is written as the answer finishes. */
async function requestLine(h: Harness, requestId: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  await until(() => {
    line = h.logs.find((l) => l.msg === "request" && l.requestId === requestId);
    return line !== undefined;
  }, `the request log line of ${requestId}`);
  return line as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------

describe.each([{ store: "memory" }, { store: "Redis" }])(
  "Idempotency-Key with the $store store",
  ({ store }) => {
    if (store === "Redis" && SKIP_REDIS) {
      it.skip(SKIP_MESSAGE, () => {});
      return;
    }

    let redis: RedisServer | undefined;
    /** Two callers; a replay waits up to 2 × 1 s for the first request. */
    let h: Harness;
    /** One anonymous caller; OMS deadline 100 ms (replays wait 200 ms), one bulk command at a time, keys kept 1 s. */
    let short: Harness;

    beforeAll(async () => {
      const env: Record<string, string> = {};
      if (store === "Redis") {
        redis = await startRedis();
        env.REDIS_URL = redis.url;
      }
      h = await startHarness({ ...env, API_KEYS: "key-a,key-b", OMS_TIMEOUT_MS: "1000" });
      short = await startHarness({
        ...env,
        OMS_TIMEOUT_MS: "100",
        BULK_CONCURRENCY: "1",
        IDEMPOTENCY_TTL_SECONDS: "1",
      });
      // Start-up itself is tested separately; these cases start from a connected store.
      await untilStoreAnswers(h, CALLER_A);
      await untilStoreAnswers(short);
    }, 30_000);
    afterAll(async () => {
      await h?.close();
      await short?.close();
      await redis?.stop();
    });
    beforeEach(() => {
      h.sim.reset();
      short.sim.reset();
    });

    it("replays a single mutation's stored response without calling the OMS", async () => {
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const first = await single(h, input(2001, "IDEM-1"), headers);
      expectFresh(first);
      expect(first.body).toStrictEqual({
        data: {
          updatePackageShipment: {
            __typename: "ShipmentUpdated",
            shipment: { trackingNumber: "IDEM-1", queryNumber: null },
          },
        },
      });
      expect(h.sim.requests).toHaveLength(1);
      const label = h.sim.getPackage(2001)?.shipping_label;

      for (const attempt of [1, 2]) {
        const requestId = `idem-replay-${store}-${attempt}`;
        const again = await single(h, input(2001, "IDEM-1"), { ...headers, "x-request-id": requestId });
        expectReplayOf(again, first);
        const line = await requestLine(h, requestId);
        expect(line.outcome).toBe("replayed");
        expect(line.oms).toStrictEqual([]);
      }
      expect(h.sim.requests).toHaveLength(1);
      // A command sent again would have regenerated the label.
      expect(h.sim.getPackage(2001)?.shipping_label).toStrictEqual(label);
    });

    it("replays a bulk mutation's stored response, failed items included, without calling the OMS", async () => {
      h.sim.injectFault({ path: commandPath(2012), times: 1, fault: { kind: "status", status: 500 } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const inputs = [input(2010, "B-0"), { ...input(2011, "B-1"), transitionId: 50 }, input(2012, "B-2")];
      const first = await bulk(h, inputs, headers);
      expectFresh(first);
      expect(first.body.data?.updatePackageShipments.map((item) => item.__typename)).toStrictEqual([
        "ShipmentUpdated",
        "CommandRejected",
        "CommandFailed",
      ]);
      expect(h.commands()).toHaveLength(3);
      // The 500 left the third item's outcome unknown: one verification read of that package.
      const received = h.sim.requests.length;

      const again = await bulk(h, inputs, headers);
      expectReplayOf(again, first);
      expect(h.sim.requests).toHaveLength(received);
    });

    it("refuses the same key with a different request (422) without calling the OMS, and keeps the first", async () => {
      const key = newKey();
      const headers = { ...CALLER_A, "idempotency-key": key };
      const first = await single(h, input(2020, "REUSE-1"), headers);
      expectFresh(first);

      const otherVariables = await single(h, input(2020, "REUSE-2"), headers);
      expectRefusal(otherVariables, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
      const otherMutation = await bulk(h, [input(2020, "REUSE-1")], headers);
      expectRefusal(otherMutation, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
      expect(h.sim.requests).toHaveLength(1);
      expect(h.sim.getPackage(2020)?.shipment?.awb_number).toBe("REUSE-1");

      expectReplayOf(await single(h, input(2020, "REUSE-1"), headers), first);
      expect(h.sim.requests).toHaveLength(1);
    });

    it("scopes keys per caller: the same key from two callers runs twice", async () => {
      const key = newKey();
      const fromA = await single(h, input(2030, "SCOPE"), { ...CALLER_A, "idempotency-key": key });
      const fromB = await single(h, input(2030, "SCOPE"), { ...CALLER_B, "idempotency-key": key });
      expectFresh(fromA);
      expectFresh(fromB);
      expect(h.commands()).toHaveLength(2);

      expectReplayOf(await single(h, input(2030, "SCOPE"), { ...CALLER_B, "idempotency-key": key }), fromB);
      // A's record is untouched by B's: A's own different request under the key is still refused.
      const otherFromA = await single(h, input(2030, "OTHER"), { ...CALLER_A, "idempotency-key": key });
      expectRefusal(otherFromA, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
      expect(h.commands()).toHaveLength(2);
    });

    it("makes a replay that arrives while the first request runs wait for it; one command at the OMS", async () => {
      h.sim.injectFault({ path: commandPath(2040), times: 1, fault: { kind: "latency", ms: 300 } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const firstPromise = single(h, input(2040, "WAIT"), headers);
      await until(() => h.commands().length === 1, "the first command to reach the OMS");
      const second = await single(h, input(2040, "WAIT"), headers);
      const first = await firstPromise;

      expectFresh(first);
      expect(first.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expectReplayOf(second, first);
      expect(h.sim.requests).toHaveLength(1);
    });

    it("answers 409 IDEMPOTENCY_KEY_IN_PROGRESS when the first request outlasts twice the OMS deadline", async () => {
      // Ten commands one at a time, 60 ms each: ~600 ms, against a replay's 200 ms of patience.
      short.sim.injectFault({ path: /\/command\/$/, fault: { kind: "latency", ms: 60 } });
      const ids = Array.from({ length: 10 }, (_, i) => 2050 + i);
      const inputs = ids.map((id) => input(id, `SLOW-${id}`));
      const headers = { "idempotency-key": newKey() };
      let firstDone = false;
      const firstPromise = bulk(short, inputs, headers).finally(() => {
        firstDone = true;
      });
      await until(() => short.commands().length >= 1, "the first command to reach the OMS");

      const second = await bulk(short, inputs, headers);
      expectRefusal(second, 409, "IDEMPOTENCY_KEY_IN_PROGRESS", IN_PROGRESS);
      expect(firstDone).toBe(false);

      const first = await firstPromise;
      expectFresh(first);
      expect(first.body.data?.updatePackageShipments).toHaveLength(10);
      expect(short.commands().map((r) => r.path)).toStrictEqual(ids.map(commandPath));
      // Once finished, the same key replays the first answer.
      expectReplayOf(await bulk(short, inputs, headers), first);
      expect(short.commands()).toHaveLength(10);
    });

    it.each([
      ["empty", ""],
      ["256 characters", "k".repeat(256)],
      ["a space", "two words"],
      ["a Latin-1 letter", "clé"],
      // UTF-8 bytes of a Cyrillic word, as a client sending UTF-8 would put them on the wire.
      ["UTF-8 bytes", Buffer.from("ключ", "utf8").toString("latin1")],
    ])("refuses a key that is %s with 400 and no OMS call", async (_, key) => {
      const res = await single(h, input(2060, "BAD-KEY"), { ...CALLER_A, "idempotency-key": key });
      expectRefusal(res, 400, "BAD_REQUEST", BAD_KEY);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("accepts keys of 1 and 255 visible characters", async () => {
      const longest = `${randomUUID()}${"~".repeat(255 - 36)}`;
      expect(longest).toHaveLength(255);
      for (const [index, key] of [longest, "!", "#"].entries()) {
        const headers = { ...CALLER_A, "idempotency-key": key };
        const first = await single(h, input(2061 + index, `EDGE-${store}`), headers);
        expectFresh(first);
        expectReplayOf(await single(h, input(2061 + index, `EDGE-${store}`), headers), first);
      }
      expect(h.commands()).toHaveLength(3);
    });

    it("does not store an answer that changed nothing (OMS 429): a retry with the key runs again", async () => {
      h.sim.injectFault({ path: commandPath(2070), times: 1, fault: { kind: "status", status: 429 } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const failed = await single(h, input(2070, "RETRY"), headers);
      expectFresh(failed);
      expect(failed.body.data).toBeNull();
      expect(failed.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["OMS_RATE_LIMITED"]);
      expect(h.commands()).toHaveLength(1);

      const retried = await single(h, input(2070, "RETRY"), headers);
      expectFresh(retried);
      expect(retried.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(h.commands()).toHaveLength(2);

      expectReplayOf(await single(h, input(2070, "RETRY"), headers), retried);
      expect(h.commands()).toHaveLength(2);
    });

    it("does not store a request refused before it ran: the key is free for the corrected request", async () => {
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      // Variables the schema refuses: Apollo answers 400 before any resolver runs.
      const incomplete = await h.gql(
        print(UpdateShipmentOnlyDocument),
        { input: { packageId: "2071" } },
        headers,
      );
      expect(incomplete.status).toBe(400);
      // One error per missing field: cargoCompanyId and trackingNumber.
      expect(incomplete.body.errors?.map((e) => e.extensions?.code)).toStrictEqual([
        "BAD_USER_INPUT",
        "BAD_USER_INPUT",
      ]);
      expect(incomplete.headers["idempotent-replayed"]).toBeUndefined();
      expect(h.sim.requests).toHaveLength(0);

      const corrected = await single(h, input(2071, "FIXED"), headers);
      expectFresh(corrected);
      expect(corrected.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(h.commands()).toHaveLength(1);
    });

    it("stores OMS_OUTCOME_UNKNOWN: the replay neither resends the command nor reads the package", async () => {
      h.sim.injectFault({ path: commandPath(2080), times: 1, fault: { kind: "reset" } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const first = await single(h, input(2080, "UNKNOWN"), headers);
      expectFresh(first);
      expect(first.body.data).toBeNull();
      expect(first.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["OMS_OUTCOME_UNKNOWN"]);
      // The command and its verification read.
      expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toStrictEqual([
        `POST ${commandPath(2080)}`,
        "GET /api/v1/oms/packages/2080/",
      ]);

      expectReplayOf(await single(h, input(2080, "UNKNOWN"), headers), first);
      expect(h.sim.requests).toHaveLength(2);
    });

    it("ignores a key sent with a query, and a later mutation with that key runs", async () => {
      const key = newKey();
      const headers = { ...CALLER_A, "idempotency-key": key };
      const first = await h.gql(PackageSummaryDocument, { id: "2090" }, headers);
      const second = await h.gql(PackageSummaryDocument, { id: "2090" }, headers);
      for (const res of [first, second]) {
        expectFresh(res);
        expect(res.body).toStrictEqual({
          data: { package: { id: "2090", status: "PACKED", statusName: "Packed" } },
        });
      }
      expect(h.sim.requests).toHaveLength(2);

      const mutation = await single(h, input(2090, "AFTER-QUERY"), headers);
      expectFresh(mutation);
      expect(mutation.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(h.commands()).toHaveLength(1);
    });

    it("forgets a key after IDEMPOTENCY_TTL_SECONDS", async () => {
      const headers = { "idempotency-key": newKey() };
      const first = await single(short, input(2095, "TTL"), headers);
      expectFresh(first);
      expectReplayOf(await single(short, input(2095, "TTL"), headers), first);
      expect(short.commands()).toHaveLength(1);

      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const later = await single(short, input(2095, "TTL"), headers);
      expectFresh(later);
      expect(later.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(short.commands()).toHaveLength(2);
    });

    it("never writes the key into a log line", async () => {
      const secret = `never-logged-${randomUUID()}`;
      const headers = { ...CALLER_A, "idempotency-key": secret };
      const ids = ["fresh", "replay", "reused", "invalid"].map((step) => `idem-log-${store}-${step}`);
      await single(h, input(2096, "LOG"), { ...headers, "x-request-id": ids[0] as string });
      await single(h, input(2096, "LOG"), { ...headers, "x-request-id": ids[1] as string });
      await single(h, input(2096, "LOG-2"), { ...headers, "x-request-id": ids[2] as string });
      await single(h, input(2096, "LOG"), {
        ...CALLER_A,
        "idempotency-key": `${secret} x`,
        "x-request-id": ids[3] as string,
      });
      const outcomes = [];
      for (const id of ids) outcomes.push((await requestLine(h, id)).outcome);
      expect(outcomes).toStrictEqual(["ShipmentUpdated", "replayed", "IDEMPOTENCY_KEY_REUSED", null]);
      expect(h.rawLogs.filter((line) => line.includes(secret))).toStrictEqual([]);
    });
  },
);

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
