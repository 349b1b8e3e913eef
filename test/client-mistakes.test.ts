/**
 * A caller's mistake is answered with a code the caller can act on, never INTERNAL_SERVER_ERROR,
 * and is logged as a refused request (warn, with its code), without an error line or a stack.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => {
  h.rawLogs.length = 0;
  h.sim.clearRequests();
});

// Private: the answer's one error, and what operators were told about the request.
function expectClientError(res: GraphQLResult<unknown>, status: number, code: string, message: string): void {
  expect(res.status).toBe(status);
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
  expect(res.body.errors?.[0]?.message).toBe(message);
  expect(res.text).not.toContain("Internal server error");
  const lines = h.logs;
  expect(lines.filter((line) => line.level === "error" || line.level === "fatal")).toEqual([]);
  expect(h.rawLogs.join("\n")).not.toContain("stack");
  const request = lines.find((line) => line.msg === "request");
  expect(request).toMatchObject({ level: "warn", outcome: code, code, status });
}

describe("client mistakes", () => {
  it("an APQ hash that does not match the query: 400 PERSISTED_QUERY_HASH_MISMATCH", async () => {
    const res = await h.post(
      "/graphql",
      JSON.stringify({
        query: "{ __typename }",
        extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } },
      }),
    );

    expectClientError(res, 400, "PERSISTED_QUERY_HASH_MISMATCH", "provided sha does not match query");
  });

  it("a subscription, which this API does not offer: 400 GRAPHQL_VALIDATION_FAILED", async () => {
    const res = await h.post("/graphql", JSON.stringify({ query: "subscription { __typename }" }));

    expectClientError(
      res,
      400,
      "GRAPHQL_VALIDATION_FAILED",
      "This API has no subscriptions: the schema defines no subscription type.",
    );
    expect(res.body.data).toBeUndefined();
  });

  it.each([
    ["an unknown __typename", { __typename: "Nope", id: "1001" }, '"Nope"'],
    ["a type that is not an entity", { __typename: "Shipment", id: "1001" }, '"Shipment"'],
    ["no __typename", { id: "1001" }, "none"],
  ])("_entities with %s on /subgraph: BAD_USER_INPUT and no OMS call", async (_name, representation, got) => {
    const res = await h.post(
      "/subgraph",
      JSON.stringify({
        query: "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        variables: { r: [{ __typename: "Package", id: "1001" }, representation] },
      }),
    );

    expectClientError(
      res,
      200,
      "BAD_USER_INPUT",
      `_entities: representation 1 must name an entity type (CargoCompany, Package) in __typename, got ${got}.`,
    );
    expect(res.body.data).toBeNull();
    expect(h.sim.requests).toHaveLength(0);
  });
});
