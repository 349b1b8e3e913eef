import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryIdempotencyStore } from "../src/idempotency/memory-store.js";
import type { ReserveOptions } from "../src/idempotency/store.js";
import { startSimulator } from "../src/simulator/index.js";
import { startGatewayProcess } from "./helpers/gateway-process.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";
import { input } from "./helpers/idempotency.js";
import { newKey } from "./helpers/idempotency-key.js";
import { commandPath } from "./helpers/oms-paths.js";
import { SKIP_MESSAGE, SKIP_REDIS, startRedis } from "./helpers/redis.js";
import { until } from "./helpers/until.js";

const SINGLE = `mutation One($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber } package { id shipment { trackingNumber } } }
  }
}`;
const BULK = `mutation Many($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) {
    __typename
    ... on CommandFailed { code outcomeKnown }
  }
}`;

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function harness(env: Record<string, string> = {}, latencyMs = 0): Promise<Harness> {
  const h = await startHarness(env, { latencyMs });
  cleanups.push(() => h.close());
  return h;
}

function typename(res: GraphQLResult<unknown>): unknown {
  return (res.body.data as { updatePackageShipment?: { __typename: string } } | null | undefined)
    ?.updatePackageShipment?.__typename;
}

describe("what is kept under a key", () => {
  it("keeps a 204 whose package read failed: the answer survives, and a retry never resends it", async () => {
    const h = await harness();
    h.sim.injectFault({
      path: "/api/v1/oms/packages/2601/",
      times: 1,
      fault: { kind: "status", status: 503 },
    });
    const headers = { "idempotency-key": newKey() };
    const first = await h.gql(SINGLE, { input: input(2601, "READ-FAILS") }, headers);
    expect(first.status).toBe(200);
    expect(first.body.data).toStrictEqual({
      updatePackageShipment: {
        __typename: "ShipmentUpdated",
        shipment: { trackingNumber: "READ-FAILS" },
        package: null,
      },
    });
    expect(first.body.errors?.map((e) => [e.path, e.extensions?.code])).toStrictEqual([
      [["updatePackageShipment", "package"], "OMS_UNAVAILABLE"],
    ]);
    const again = await h.gql(SINGLE, { input: input(2601, "READ-FAILS") }, headers);
    expect(again.headers["idempotent-replayed"]).toBe("true");
    expect(again.text).toBe(first.text);
    expect(h.commands()).toHaveLength(1);
  });

  it("does not keep a bulk whose every item was known not applied: the retry runs again", async () => {
    const h = await harness();
    for (const id of [2611, 2612]) {
      h.sim.injectFault({ path: commandPath(id), times: 1, fault: { kind: "status", status: 429 } });
    }
    const headers = { "idempotency-key": newKey() };
    const inputs = [input(2611, "RL-1"), input(2612, "RL-2")];
    const first = await h.gql(BULK, { inputs }, headers);
    expect(first.body.data).toStrictEqual({
      updatePackageShipments: [
        { __typename: "CommandFailed", code: "OMS_RATE_LIMITED", outcomeKnown: true },
        { __typename: "CommandFailed", code: "OMS_RATE_LIMITED", outcomeKnown: true },
      ],
    });
    const retried = await h.gql(BULK, { inputs }, headers);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();
    expect(retried.body.data).toStrictEqual({
      updatePackageShipments: [{ __typename: "ShipmentUpdated" }, { __typename: "ShipmentUpdated" }],
    });
    expect(h.commands()).toHaveLength(4);
  });
});

describe("scope and fingerprint", () => {
  it("treats every spelling of one API key as one caller", async () => {
    const h = await harness({ API_KEYS: "key-a,key-b" });
    const key = newKey();
    const answers = [];
    for (const authorization of ["Bearer key-a", "bearer key-a", "BEARER key-a", "Bearer   key-a "]) {
      answers.push(
        await h.gql(SINGLE, { input: input(2621, "SCOPE-1") }, { authorization, "idempotency-key": key }),
      );
    }
    expect(answers.map((a) => a.headers["idempotent-replayed"] ?? "fresh")).toStrictEqual([
      "fresh",
      "true",
      "true",
      "true",
    ]);
    expect(h.commands()).toHaveLength(1);
    // Another key is another caller.
    const other = await h.gql(
      SINGLE,
      { input: input(2621, "SCOPE-1") },
      { authorization: "Bearer key-b", "idempotency-key": key },
    );
    expect(other.headers["idempotent-replayed"]).toBeUndefined();
    expect(h.commands()).toHaveLength(2);
  });

  it("matches the same request whatever its spelling: variable order, whitespace, commas", async () => {
    const h = await harness();
    const key = newKey();
    const variables = input(2622, "FP-1");
    const send = (body: string) => h.post("/graphql", body, { "idempotency-key": key });
    const first = await send(JSON.stringify({ query: SINGLE, variables: { input: variables } }));
    expect(typename(first)).toBe("ShipmentUpdated");
    const reordered = {
      input: { transitionId: 41, trackingNumber: "FP-1", cargoCompanyId: "2", packageId: "2622" },
    };
    const respelled = `${SINGLE.replace(/\n\s*/g, " ").replace("{ __typename", "{ ,__typename")}  \n`;
    for (const body of [
      JSON.stringify({ variables: reordered, query: SINGLE }),
      JSON.stringify({ query: respelled, variables: { input: variables } }),
    ]) {
      const again = await send(body);
      expect(again.status).toBe(200);
      expect(again.headers["idempotent-replayed"]).toBe("true");
    }
    // A different value is a different request.
    const changed = await send(
      JSON.stringify({ query: SINGLE, variables: { input: { ...variables, trackingNumber: "FP-2" } } }),
    );
    expect(changed.status).toBe(422);
    expect(h.commands()).toHaveLength(1);
  });
});

describe("the memory store's limits", () => {
  const reserve = (
    store: MemoryIdempotencyStore,
    key: string,
    now = 0,
  ): ReturnType<MemoryIdempotencyStore["reserve"]> => {
    const options: ReserveOptions = { holder: key, leaseMs: 1_000, ttlMs: 60_000, now };
    return store.reserve(key, "f", options);
  };
  const answer = (bytes: number) => ({ status: 200, contentType: "a", body: "x".repeat(bytes) });

  it("drops the oldest finished records past IDEMPOTENCY_MAX_ENTRIES, never one still running", async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 2, maxBytes: 1_000_000 });
    cleanups.push(() => store.close());
    await reserve(store, "running");
    for (const key of ["a", "b", "c"]) {
      await reserve(store, key);
      await store.complete(key, "f", answer(10), 60_000);
    }
    expect(store.size).toBe(2);
    expect((await reserve(store, "running")).kind).toBe("inProgress");
    expect((await reserve(store, "c")).kind).toBe("replay");
    expect((await reserve(store, "a")).kind).toBe("acquired");
  });

  it("drops the oldest finished records past IDEMPOTENCY_MAX_BYTES", async () => {
    const store = new MemoryIdempotencyStore({ maxEntries: 100, maxBytes: 2_500 });
    cleanups.push(() => store.close());
    for (const key of ["a", "b", "c"]) {
      await reserve(store, key);
      await store.complete(key, "f", answer(1_000), 60_000);
    }
    expect(store.storedBytes).toBeLessThanOrEqual(2_500);
    expect((await reserve(store, "a")).kind).toBe("acquired");
    expect((await reserve(store, "c")).kind).toBe("replay");
  });

  it("is bounded through the server too: the oldest key is forgotten, the newest replayed", async () => {
    const h = await harness({ IDEMPOTENCY_MAX_ENTRIES: "2" });
    const keys = [newKey(), newKey(), newKey()];
    for (const [index, key] of keys.entries()) {
      await h.gql(SINGLE, { input: input(2631 + index, `CAP-${index}`) }, { "idempotency-key": key });
    }
    const newest = await h.gql(
      SINGLE,
      { input: input(2633, "CAP-2") },
      { "idempotency-key": keys[2] as string },
    );
    expect(newest.headers["idempotent-replayed"]).toBe("true");
    const oldest = await h.gql(
      SINGLE,
      { input: input(2631, "CAP-0") },
      { "idempotency-key": keys[0] as string },
    );
    expect(oldest.headers["idempotent-replayed"]).toBeUndefined();
    expect(h.commands()).toHaveLength(4);
  });

  it("hands a lapsed lease to the next request with the key, as a recovery from when the first began", async () => {
    const store = new MemoryIdempotencyStore();
    cleanups.push(() => store.close());
    const options = (holder: string, now: number): ReserveOptions => ({
      holder,
      leaseMs: 1_000,
      ttlMs: 60_000,
      now,
    });
    expect(await store.reserve("k", "f", options("first", 10_000))).toStrictEqual({ kind: "acquired" });
    expect(await store.reserve("k", "f", options("second", 10_500))).toStrictEqual({ kind: "inProgress" });
    expect(await store.renew("k", "first", 12_000)).toBe(true);
    expect(await store.reserve("k", "f", options("second", 11_500))).toStrictEqual({ kind: "inProgress" });
    expect(await store.reserve("k", "f", options("second", 12_001))).toStrictEqual({
      kind: "recover",
      since: 10_000,
    });
    // The first holder lost it: it can neither renew nor release the second's run.
    expect(await store.renew("k", "first", 20_000)).toBe(false);
    await store.release("k", "first");
    expect(await store.reserve("k", "f", options("third", 12_500))).toStrictEqual({ kind: "inProgress" });
  });
});

describe.skipIf(SKIP_REDIS)("with Redis, under faults", () => {
  it.skipIf(SKIP_REDIS)(
    "answers the real outcome, with a warning, when Redis dies while the request runs",
    async () => {
      const redis = await startRedis();
      cleanups.push(() => redis.stop());
      const h = await harness({ REDIS_URL: redis.url }, 400);
      const key = newKey();
      const pending = h.gql(SINGLE, { input: input(2641, "REDIS-DIES") }, { "idempotency-key": key });
      await until(() => h.commands().length === 1, "the command to reach the OMS");
      await redis.stop("SIGKILL");
      const answer = await pending;
      expect(answer.status).toBe(200);
      expect(typename(answer)).toBe("ShipmentUpdated");
      expect(answer.headers["idempotency-stored"]).toBe("false");
      expect((answer.body as { extensions?: unknown }).extensions).toMatchObject({
        warnings: [{ code: "IDEMPOTENCY_NOT_STORED" }],
      });
      expect(h.commands()).toHaveLength(1);
      expect(h.sim.getPackage(2641)?.shipment?.awb_number).toBe("REDIS-DIES");
    },
  );

  it.skipIf(SKIP_REDIS)(
    "takes over the key of a gateway killed mid-request and answers from the OMS without resending",
    async () => {
      const redis = await startRedis();
      cleanups.push(() => redis.stop());
      const sim = await startSimulator({ latencyMs: 400 });
      cleanups.push(() => sim.close());
      const first = await startGatewayProcess({
        OMS_SHIPMENT_TRANSITIONS: "41",
        OMS_BASE_URL: sim.url,
        OMS_API_TOKEN: sim.token,
        REDIS_URL: redis.url,
        OMS_TIMEOUT_MS: "600",
      });
      const key = newKey();
      const body = JSON.stringify({ query: SINGLE, variables: { input: input(2651, "KILLED") } });
      const lost = request(first.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body,
      }).catch((error: Error) => error);
      await until(
        () => sim.requests.some((r) => r.path === commandPath(2651)),
        "the command to reach the OMS",
      );
      first.child.kill("SIGKILL");
      expect(await lost).toBeInstanceOf(Error);

      // The next gateway finds the key held by a holder that no longer renews; once the lease
      // (twice the first gateway's 600 ms deadline) lapses, it reads the package instead of resending.
      const h = await startHarness({
        OMS_BASE_URL: sim.url,
        OMS_API_TOKEN: sim.token,
        REDIS_URL: redis.url,
        OMS_TIMEOUT_MS: "1000",
      });
      cleanups.push(() => h.close());
      const retried = await h.post("/graphql", body, { "idempotency-key": key });
      expect(retried.status).toBe(200);
      expect(retried.headers["idempotent-recovered"]).toBe("true");
      expect(retried.body.data).toMatchObject({
        updatePackageShipment: { __typename: "ShipmentUpdated", shipment: { trackingNumber: "KILLED" } },
      });
      expect(sim.requests.filter((r) => r.method === "POST")).toHaveLength(1);
      // Read to verify (and once more for the selected `package` field), never commanded again.
      const reads = sim.requests.filter((r) => r.path === "/api/v1/oms/packages/2651/" && r.method === "GET");
      expect(reads).toHaveLength(2);
      // And the recovered answer is kept: the next retry is a plain replay.
      const replay = await h.post("/graphql", body, { "idempotency-key": key });
      expect(replay.headers["idempotent-replayed"]).toBe("true");
    },
  );

  it.skipIf(SKIP_REDIS)(
    "recovers a bulk call killed mid-way: applied items are verified, unsent ones sent once",
    async () => {
      const redis = await startRedis();
      cleanups.push(() => redis.stop());
      const sim = await startSimulator({ latencyMs: 300 });
      cleanups.push(() => sim.close());
      const oms = { OMS_BASE_URL: sim.url, OMS_API_TOKEN: sim.token, REDIS_URL: redis.url };
      // One command at a time, so the kill lands with some items applied and the rest never sent.
      const first = await startGatewayProcess({
        OMS_SHIPMENT_TRANSITIONS: "41",
        ...oms,
        OMS_TIMEOUT_MS: "600",
        BULK_CONCURRENCY: "1",
      });
      const key = newKey();
      const ids = [2661, 2662, 2663, 2664, 2665];
      const body = JSON.stringify({
        query: BULK,
        variables: { inputs: ids.map((id) => input(id, `CHUNK-${id}`)) },
      });
      const lost = request(first.graphqlUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "idempotency-key": key },
        body,
      }).catch((error: Error) => error);
      await until(() => sim.requests.filter((r) => r.method === "POST").length === 2, "two commands");
      first.child.kill("SIGKILL");
      expect(await lost).toBeInstanceOf(Error);
      // The second command was in flight: the OMS applies it although nobody hears the answer.
      await until(() => sim.getPackage(2662)?.shipment?.awb_number === "CHUNK-2662", "the in-flight command");

      const h = await startHarness({ ...oms, OMS_TIMEOUT_MS: "1000" });
      cleanups.push(() => h.close());
      const retried = await h.post("/graphql", body, { "idempotency-key": key });
      expect(retried.status).toBe(200);
      expect(retried.headers["idempotent-recovered"]).toBe("true");
      expect(retried.body.data).toStrictEqual({
        updatePackageShipments: ids.map(() => ({ __typename: "ShipmentUpdated" })),
      });
      const commanded = sim.requests.filter((r) => r.method === "POST").map((r) => r.path);
      expect(commanded.toSorted()).toStrictEqual(ids.map(commandPath));
      for (const id of ids) expect(sim.getPackage(id)?.shipment?.awb_number).toBe(`CHUNK-${id}`);
    },
  );
});
if (SKIP_REDIS) console.warn(SKIP_MESSAGE);
