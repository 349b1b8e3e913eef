/**
 * What the Idempotency-Key specs share: the keyed single mutation, how a fresh answer, a replay and a
 * refusal look, and waiting until the store answers.
 */
import { expect } from "vitest";
import { type UpdatePackageShipmentInput, UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { type GraphQLResult, type Harness } from "./harness.js";
import { newKey } from "./idempotency-key.js";
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
