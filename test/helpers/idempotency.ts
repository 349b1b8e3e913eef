/**
 * What the Idempotency-Key specs share: the two gateways they run against on one store, the keyed
 * single mutation, how a fresh answer, a replay and a refusal look, and waiting until the store
 * answers.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { type UpdatePackageShipmentInput, UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "./harness.js";
import { newKey } from "./idempotency-key.js";
import { type RedisServer, startRedis } from "./redis.js";
import { until } from "./until.js";

// ---------------------------------------------------------------------------------------------
// Helpers

export const CALLER_A = { authorization: "Bearer key-a" };

export const input = (packageId: number, trackingNumber: string): UpdatePackageShipmentInput => ({
  packageId: String(packageId),
  cargoCompanyId: "2",
  trackingNumber,
  transitionId: 41,
});

export function single(h: Harness, value: UpdatePackageShipmentInput, headers: Record<string, string>) {
  return h.gql(UpdateShipmentOnlyDocument, { input: value }, headers);
}

export function expectFresh(res: GraphQLResult<unknown>): void {
  expect(res.status).toBe(200);
  expect(res.headers["idempotent-replayed"]).toBeUndefined();
}

export function expectReplayOf(res: GraphQLResult<unknown>, first: GraphQLResult<unknown>): void {
  expect(res.status).toBe(first.status);
  expect(res.headers["idempotent-replayed"]).toBe("true");
  expect(res.headers["content-type"]).toBe(first.headers["content-type"]);
  expect(res.text).toBe(first.text);
}

export function expectRefusal(
  res: GraphQLResult<unknown>,
  status: number,
  code: string,
  message: string,
): void {
  expect(res.status).toBe(status);
  expect(res.headers["idempotent-replayed"]).toBeUndefined();
  expect(res.body).toStrictEqual({ errors: [{ message, extensions: { code } }] });
}

export const REUSED =
  "This Idempotency-Key was already used for a different request; use a new key for a new request.";

/**
 * Waits until the gateway's idempotency store answers, probing with keyed mutations that are refused
 * before they run (a missing variable), so the probes reach neither the OMS nor the stored records.
 */
export async function untilStoreAnswers(h: Harness, headers: Record<string, string> = {}): Promise<void> {
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
export async function requestLine(h: Harness, requestId: string): Promise<Record<string, unknown>> {
  let line: Record<string, unknown> | undefined;
  await until(() => {
    line = h.logs.find((l) => l.msg === "request" && l.requestId === requestId);
    return line !== undefined;
  }, `the request log line of ${requestId}`);
  return line as Record<string, unknown>;
}

// ---------------------------------------------------------------------------------------------

/** The two gateways the Idempotency-Key specs run against, sharing one store. */
export interface KeyedGateways {
  /** Two callers; a replay waits up to 2 × 1 s for the first request. */
  readonly h: Harness;
  /** One anonymous caller; OMS deadline 100 ms (replays wait 200 ms), one bulk command at a time, keys kept 1 s. */
  readonly short: Harness;
}

/** Starts both gateways on `store` (a throw-away redis-server for "Redis") for the enclosing describe. */
export function keyedGateways(store: string): KeyedGateways {
  let redis: RedisServer | undefined;
  let h: Harness;
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

  return {
    get h() {
      return h;
    },
    get short() {
      return short;
    },
  };
}
