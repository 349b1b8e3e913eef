/**
 * Hostile input in production (NODE_ENV=production, API_KEYS): unauthenticated callers, introspection
 * and field suggestions are refused, and no answer carries a stack trace or internals.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";
import {
  Answer,
  COMMAND,
  expectHealthy,
  expectRefused,
  expectRefusedAll,
  postJson,
  SINGLE,
  send,
} from "../helpers/hostile-requests.js";

describe("in production (NODE_ENV=production, API_KEYS)", () => {
  const KEY = "hostile-input-production-key";
  const AUTH = { authorization: `Bearer ${KEY}` };
  let h: Harness;
  /** Every answer of this block, checked for stack traces at the end of each test. */
  const answers: Answer[] = [];

  const ask = async (payload: unknown, headers: Record<string, string> = AUTH) => {
    const answer = await postJson(h, payload, headers);
    answers.push(answer);
    return answer;
  };

  beforeAll(async () => {
    h = await startHarness({ NODE_ENV: "production", API_KEYS: KEY, SUBGRAPH_ENABLED: "false" });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());
  afterEach(async () => {
    for (const answer of answers.splice(0)) {
      expect(answer.text).not.toMatch(/stacktrace|\n\s+at |\bat [\w.<>]+ \(|node_modules|\/src\//i);
      for (const error of answer.body.errors ?? []) {
        expect(Object.keys(error.extensions ?? {})).not.toContain("stacktrace");
        expect(Object.keys(error.extensions ?? {})).not.toContain("exception");
      }
    }
    await expectHealthy(h, AUTH);
  });

  it.each([
    ["no Authorization", {}],
    ["a wrong key", { authorization: "Bearer wrong" }],
    ["the key without its scheme", { authorization: KEY }],
    ["a Basic credential", { authorization: `Basic ${Buffer.from(`${KEY}:`).toString("base64")}` }],
  ])("refuses a caller with %s: 401 UNAUTHENTICATED, no OMS call", async (_, headers) => {
    const res = await ask({ query: COMMAND }, headers);

    expectRefused(res, 401, "UNAUTHENTICATED");
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="oms-graph"');
    expect(h.sim.requests).toHaveLength(0);
  });

  it.each([
    ["__schema", "{ __schema { types { name } } }"],
    ["__type", '{ __type(name: "Package") { fields { name } } }'],
    [
      "a deep __schema query",
      `{ __schema { types { fields { type { ${"ofType { ".repeat(15)}name${" }".repeat(15)} } } } } }`,
    ],
    ["__schema behind a fragment", "{ ...S } fragment S on Query { __schema { queryType { name } } }"],
  ])("refuses introspection through %s: 400 GRAPHQL_VALIDATION_FAILED", async (_, query) => {
    const res = await ask({ query });

    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.map((e) => e.extensions?.code)).toContain("GRAPHQL_VALIDATION_FAILED");
    expect(res.body.errors?.map((e) => e.message)).toContain(
      "GraphQL introspection is not allowed by Apollo Server, but the query contained __schema or __type. To enable introspection, pass introspection: true to ApolloServer in production",
    );
    expect(h.sim.requests).toHaveLength(0);
  });

  it("still answers __typename, which clients add to every selection", async () => {
    const res = await ask({ query: "{ __typename }" });

    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ data: { __typename: "Query" } });
  });

  it.each([
    ["a misspelled field", '{ pakage(id: "1001") { id } }', 'Cannot query field "pakage" on type "Query".'],
    [
      "a misspelled nested field",
      '{ package(id: "1001") { shipmnt { trackingNumber } } }',
      'Cannot query field "shipmnt" on type "Package".',
    ],
    [
      "a misspelled argument",
      '{ package(idd: "1001") { id } }',
      'Unknown argument "idd" on field "Query.package".',
    ],
    ["a misspelled type", '{ package(id: "1001") { ... on Pakage { id } } }', 'Unknown type "Pakage".'],
  ])("answers %s without suggesting the right name", async (_, query, message) => {
    const res = await ask({ query });

    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/did you mean/i);
    expect(res.body.errors?.map((e) => e.message)).toContain(message);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("answers a misspelled input field in variables without suggesting the right name", async () => {
    const input = { packageId: "1001", cargoCompanyId: "2", trackingNumbr: "X" };
    const res = await ask({ query: SINGLE, variables: { input } });

    expectRefusedAll(res, 400, ["BAD_USER_INPUT", "BAD_USER_INPUT"]);
    expect(res.body.errors?.[1]?.message).toContain('Field "trackingNumbr" is not defined');
    expect(res.text).not.toMatch(/did you mean/i);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("answers a misspelled input field written in the document without suggesting the right name", async () => {
    const query = COMMAND.replace("trackingNumber:", "trackingNumbr:");
    const res = await ask({ query });

    expect(res.status).toBe(400);
    expect(res.text).not.toMatch(/did you mean/i);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("masks an OMS failure as its stable code, with no stack or internals", async () => {
    h.sim.injectFault({
      path: "/api/v1/oms/packages/1002/",
      times: 1,
      fault: { kind: "status", status: 500, body: "Traceback (most recent call last):\n  File x" },
    });
    const res = await ask({ query: '{ package(id: "1002") { id } }' });

    expect(res.status).toBe(200);
    expect(res.body.data).toStrictEqual({ package: null });
    expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["OMS_UNAVAILABLE"]);
    expect(res.text).not.toContain("Traceback");
  });

  it("answers each kind of refusal without a stack trace", async () => {
    await ask({ query: "{" });
    await ask({ query: "{ nope }" });
    await ask({ query: SINGLE, variables: { input: "x" } });
    await ask({ query: COMMAND, operationName: "Other" });
    await ask([{ query: "{ __typename }" }]);
    await ask({ query: `{ ${"__typename ".repeat(6_000)} }` });
    await ask({ query: '{ package(id: "../1") { id } }' });
    answers.push(await send(h, { headers: { ...AUTH, "content-type": "application/json" }, body: "{" }));
    answers.push(await send(h, { headers: { ...AUTH, "content-type": "text/plain" }, body: "{}" }));

    expect(answers.map((a) => a.status)).toStrictEqual([400, 400, 400, 400, 400, 400, 200, 400, 400]);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("serves no landing page, even to a browser with the key", async () => {
    const res = await send(h, { method: "GET", headers: { ...AUTH, accept: "text/html" } });

    expect(res.headers["content-type"]).not.toMatch(/text\/html/);
    expect(res.text).not.toMatch(/<html|<script/i);
  });
});
