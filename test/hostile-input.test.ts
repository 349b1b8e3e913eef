/**
 * Hostile input over HTTP: requests a browser on another site, a broken client or an attacker could
 * send to /graphql. Each is answered with a stable status and code, none of them reaches the OMS
 * unless it is a well-formed command, and the gateway keeps serving afterwards. The property at the
 * end throws arbitrary `variables` at both mutations.
 */
import { Readable } from "node:stream";
import fc from "fast-check";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RecordedRequest } from "../src/simulator/index.js";
import { type Harness, startHarness } from "./helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

interface GraphQLError {
  message: string;
  path?: Array<string | number>;
  extensions?: Record<string, unknown>;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: { data?: Record<string, unknown> | null; errors?: GraphQLError[] };
  text: string;
}

interface Sent {
  method?: "GET" | "POST" | "PUT";
  /** Search parameters of a GET. */
  params?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string | Readable;
}

/** One request with exactly the headers given: nothing is added but Host and the body's framing. */
async function send(h: Harness, sent: Sent): Promise<Answer> {
  const url = new URL(`${h.url}/graphql`);
  for (const [key, value] of Object.entries(sent.params ?? {})) url.searchParams.set(key, value);
  const res = await request(url, {
    method: sent.method ?? "POST",
    headers: sent.headers ?? {},
    body: sent.body ?? null,
  });
  const text = await res.body.text();
  let body: Answer["body"] = {};
  try {
    body = JSON.parse(text);
  } catch {
    // Left empty: the test looks at `text` and `status`.
  }
  return { status: res.statusCode, headers: res.headers, body, text };
}

const JSON_TYPE = { "content-type": "application/json" };

function postJson(h: Harness, payload: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  return send(h, { headers: { ...JSON_TYPE, ...headers }, body: JSON.stringify(payload) });
}

/** The code of the only error, after checking there is exactly one. */
function onlyCode(answer: Answer): unknown {
  expect(answer.body.errors, answer.text.slice(0, 500)).toHaveLength(1);
  return answer.body.errors?.[0]?.extensions?.code;
}

/** A refusal before anything ran: the status, one error with the code, no data. */
function expectRefused(answer: Answer, status: number, code: string, message?: string | RegExp): void {
  expect({ status: answer.status, code: onlyCode(answer) }, answer.text.slice(0, 500)).toStrictEqual({
    status,
    code,
  });
  expect(answer.body.data).toBeUndefined();
  if (typeof message === "string") expect(answer.body.errors?.[0]?.message).toBe(message);
  else if (message) expect(answer.body.errors?.[0]?.message).toMatch(message);
}

/** A refusal before anything ran that reports several problems, in this order. */
function expectRefusedAll(answer: Answer, status: number, codes: string[]): void {
  expect(
    { status: answer.status, codes: answer.body.errors?.map((e) => e.extensions?.code) },
    answer.text.slice(0, 500),
  ).toStrictEqual({ status, codes });
  expect(answer.body.data).toBeUndefined();
}

/** A command answered as data: a ValidationError on one input field, and nothing sent to the OMS. */
function expectInvalidField(h: Harness, answer: Answer, field: string, message: string, code: string): void {
  expect(answer.status).toBe(200);
  expect(answer.body.data?.updatePackageShipment).toStrictEqual({
    __typename: "ValidationError",
    message,
    fieldErrors: [fieldError(field, message, code)],
  });
  expect(h.sim.requests).toHaveLength(0);
}

const CSRF_MESSAGE = /^This operation has been blocked as a potential Cross-Site Request Forgery \(CSRF\)/;

/** A command that would change package 1001 if it ran: a refusal must leave the OMS untouched. */
const COMMAND =
  'mutation { updatePackageShipment(input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "HOSTILE-1", transitionId: 41 }) { __typename } }';

const RESULT_FIELDS = `__typename
  ... on ShipmentUpdated { shipment { trackingNumber queryNumber } }
  ... on ValidationError { message fieldErrors { path message code } }
  ... on CommandRejected { code packageId }`;

const SINGLE = `mutation Single($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) { ${RESULT_FIELDS} }
}`;

const BULK = `mutation Bulk($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) { ${RESULT_FIELDS} ... on CommandFailed { code packageId outcomeKnown } }
}`;

const valid = (overrides: Record<string, unknown> = {}) => ({
  packageId: "1001",
  cargoCompanyId: "2",
  trackingNumber: "HOSTILE-1",
  transitionId: 41,
  ...overrides,
});

const fieldError = (field: string, message: string, code: string, parent: string[] = ["input"]) => ({
  path: [...parent, field],
  message,
  code,
});

const TRACKING_LENGTH = "trackingNumber must be 1 to 64 characters after trimming.";
const TRACKING_CHARACTERS = "trackingNumber must not contain control characters.";
const invalidId = (field: string, value: string) =>
  `${field} must be a positive integer id, got ${JSON.stringify(value)}.`;

/** A normal read still works and the process is live: whatever came before did not break it. */
async function expectHealthy(h: Harness, headers: Record<string, string> = {}): Promise<void> {
  const live = await request(`${h.url}/health/live`);
  expect(live.statusCode).toBe(200);
  expect(await live.body.json()).toStrictEqual({ status: "live" });
  const read = await postJson(h, { query: '{ package(id: "1001") { id status } }' }, headers);
  expect(read.status).toBe(200);
  expect(read.body).toStrictEqual({ data: { package: { id: "1001", status: "PACKED" } } });
}

// ---------------------------------------------------------------------------------------------

describe("hostile requests to /graphql", () => {
  let h: Harness;

  beforeAll(async () => {
    // A limit of round numbers, smaller than the default, which is sized for the largest bulk call.
    h = await startHarness({ MAX_BODY_BYTES: "100000" });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());
  afterEach(async () => {
    await expectHealthy(h);
  });

  it("runs the command of these tests when it is sent properly (the control)", async () => {
    const res = await postJson(h, { query: COMMAND });

    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ data: { updatePackageShipment: { __typename: "ShipmentUpdated" } } });
    expect(h.commands().map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/1001/command/"]);
  });

  describe("content types", () => {
    it.each([
      ["text/plain", "text/plain", JSON.stringify({ query: COMMAND })],
      ["text/plain with a charset", "text/plain; charset=utf-8", JSON.stringify({ query: COMMAND })],
      [
        "form-encoded",
        "application/x-www-form-urlencoded",
        new URLSearchParams({ query: COMMAND }).toString(),
      ],
      [
        "multipart",
        "multipart/form-data; boundary=x",
        `--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: COMMAND })}\r\n--x--\r\n`,
      ],
    ])("refuses a %s POST as a possible CSRF: 400 BAD_REQUEST, no OMS call", async (_, type, body) => {
      const res = await send(h, { headers: { "content-type": type }, body });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a POST without a content type as a possible CSRF: 400 BAD_REQUEST, no OMS call", async () => {
      const res = await send(h, { body: JSON.stringify({ query: COMMAND }) });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each([
      [
        "text/plain with apollo-require-preflight",
        { "content-type": "text/plain", "apollo-require-preflight": "1" },
      ],
      ["application/xml", { "content-type": "application/xml" }],
      ["application/graphql", { "content-type": "application/graphql" }],
      ["a content type that does not parse", { "content-type": "json" }],
    ])("does not read a body sent as %s: 400 BAD_REQUEST, no OMS call", async (_, headers) => {
      const res = await send(h, { headers, body: JSON.stringify({ query: COMMAND }) });

      expectRefused(
        res,
        400,
        "BAD_REQUEST",
        "POST body missing, invalid Content-Type, or JSON object has no keys.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe("request bodies", () => {
    it.each([
      ["cut short", '{"query": "mutation { updatePackageShipment'],
      ["empty", ""],
      ["a trailing comma", `{"query": ${JSON.stringify(COMMAND)},}`],
      ["single quotes", `{'query': ${JSON.stringify(COMMAND)}}`],
      ["a byte-order mark", `\ufeff${JSON.stringify({ query: COMMAND })}`],
    ])("refuses JSON that is %s: 400 BAD_REQUEST, no OMS call", async (_, body) => {
      const res = await send(h, { headers: JSON_TYPE, body });

      expectRefused(res, 400, "BAD_REQUEST", "The request body is not valid JSON.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a batch (operation batching is off): 400 BAD_REQUEST, no OMS call", async () => {
      const res = await postJson(h, [{ query: COMMAND }, { query: COMMAND }]);

      expectRefused(res, 400, "BAD_REQUEST", "Operation batching disabled.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a batch of one, with an Idempotency-Key too: 400 BAD_REQUEST, no OMS call", async () => {
      const res = await postJson(h, [{ query: COMMAND }], { "idempotency-key": "batch-1" });

      expectRefused(res, 400, "BAD_REQUEST", "Operation batching disabled.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each([
      ["null", null, "POST body missing, invalid Content-Type, or JSON object has no keys."],
      ["a string", COMMAND, "POST body missing, invalid Content-Type, or JSON object has no keys."],
      ["a number", 42, "POST body missing, invalid Content-Type, or JSON object has no keys."],
      ["an empty object", {}, "POST body missing, invalid Content-Type, or JSON object has no keys."],
      ["a query that is a number", { query: 1 }, "GraphQL queries must be strings."],
      ["a query that is an object", { query: { kind: "Name" } }, /^GraphQL queries must be strings\./],
      [
        "variables as a string",
        { query: COMMAND, variables: "{}" },
        "`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.",
      ],
      [
        "variables as an array",
        { query: COMMAND, variables: [] },
        "`variables` in a POST body must be an object if provided.",
      ],
      [
        "extensions as a number",
        { query: COMMAND, extensions: 1 },
        "`extensions` in a POST body must be an object if provided.",
      ],
      [
        "operationName as a number",
        { query: COMMAND, operationName: 1 },
        "`operationName` in a POST body must be a string if provided.",
      ],
    ] as Array<[string, unknown, string | RegExp]>)(
      "refuses a body that is %s: 400 BAD_REQUEST, no OMS call",
      async (_, payload, message) => {
        const res = await postJson(h, payload);

        expectRefused(res, 400, "BAD_REQUEST", message);
        expect(h.sim.requests).toHaveLength(0);
      },
    );

    it("refuses an anonymous operation next to another one: 400 GRAPHQL_VALIDATION_FAILED, no OMS call", async () => {
      const res = await postJson(h, { query: `${COMMAND} query Q { __typename }` });

      expectRefused(
        res,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "This anonymous operation must be the only defined operation.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses two operations without an operationName: 400, no OMS call", async () => {
      const res = await postJson(h, {
        query: `${COMMAND.replace("mutation {", "mutation M {")} query Q { __typename }`,
      });

      expectRefused(
        res,
        400,
        "OPERATION_RESOLUTION_FAILURE",
        "Must provide operation name if query contains multiple operations.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses an operationName the document does not hold: 400, no OMS call", async () => {
      const res = await postJson(h, { query: COMMAND, operationName: "Other" });

      expectRefused(res, 400, "OPERATION_RESOLUTION_FAILURE", 'Unknown operation named "Other".');
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses another method: 405 with Allow, no OMS call", async () => {
      const res = await send(h, {
        method: "PUT",
        headers: JSON_TYPE,
        body: JSON.stringify({ query: COMMAND }),
      });

      expectRefused(res, 405, "METHOD_NOT_ALLOWED");
      expect(res.headers.allow).toBe("GET, POST");
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe("GET", () => {
    it("refuses a mutation over GET with a preflight header: 405 with Allow: POST, no command", async () => {
      const res = await send(h, {
        method: "GET",
        params: { query: COMMAND },
        headers: { "apollo-require-preflight": "true" },
      });

      expectRefused(
        res,
        405,
        "BAD_REQUEST",
        "GET requests only support query operations, not mutation operations",
      );
      // RFC 9110 §15.5.6: a 405 response must say which methods are allowed.
      expect(res.headers.allow).toBe("POST");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a mutation over GET without a preflight header as a possible CSRF: 400, no command", async () => {
      const res = await send(h, { method: "GET", params: { query: COMMAND } });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a query over GET with neither a JSON content type nor a preflight header: 400 CSRF, no OMS call", async () => {
      // A plain <img src> or link could send this from any site; Apollo requires a header only a
      // script can set, which forces a CORS preflight.
      const res = await send(h, { method: "GET", params: { query: '{ package(id: "1001") { id } }' } });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a GET with a simple content type as a possible CSRF even with a JSON accept", async () => {
      const res = await send(h, {
        method: "GET",
        params: { query: '{ package(id: "1001") { id } }' },
        headers: { "content-type": "text/plain", accept: "application/json" },
      });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a GET with a non-JSON content type once the CSRF check passes: 415", async () => {
      const res = await send(h, {
        method: "GET",
        params: { query: '{ package(id: "1001") { id } }' },
        headers: { "content-type": "text/plain", "apollo-require-preflight": "true" },
      });

      expectRefused(
        res,
        415,
        "BAD_REQUEST",
        "GET requests may not have a content-type header other than application/json.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each([
      ["apollo-require-preflight", { "apollo-require-preflight": "true" }],
      ["x-apollo-operation-name", { "x-apollo-operation-name": "Read" }],
      ["a JSON content type", JSON_TYPE],
    ])("runs a query over GET that carries %s", async (_, headers) => {
      const res = await send(h, {
        method: "GET",
        params: { query: 'query Read { package(id: "1001") { id } }' },
        headers,
      });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ data: { package: { id: "1001" } } });
      expect(h.sim.requests.map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/1001/"]);
    });

    it("refuses a repeated query parameter: 400 BAD_REQUEST, no OMS call", async () => {
      const url = `${h.url}/graphql?query=${encodeURIComponent("{ __typename }")}&query=${encodeURIComponent('{ package(id: "1001") { id } }')}`;
      const res = await request(url, { headers: { "apollo-require-preflight": "true" } });
      const body = (await res.body.json()) as Answer["body"];

      expect(res.statusCode).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
      expect(body.errors?.[0]?.message).toBe("The 'query' search parameter may only be specified once.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("answers a URL longer than Node's header limit with 431 and keeps serving", async () => {
      const res = await send(h, {
        method: "GET",
        params: { query: `{ ${"__typename ".repeat(3_000)} }` },
        headers: { "apollo-require-preflight": "true" },
      });

      expect(res.status).toBe(431);
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe("body size (MAX_BODY_BYTES=100000)", () => {
    /** A command whose JSON body is exactly `size` bytes, padded inside its tracking number. */
    function commandOfSize(size: number): string {
      const shell = (pad: string) =>
        JSON.stringify({ query: SINGLE, variables: { input: valid({ trackingNumber: pad }) } });
      const body = shell("x".repeat(size - Buffer.byteLength(shell(""))));
      expect(Buffer.byteLength(body)).toBe(size);
      return body;
    }

    it("refuses a body declared larger than the limit: 413 PAYLOAD_TOO_LARGE, no OMS call", async () => {
      const res = await send(h, { headers: JSON_TYPE, body: commandOfSize(100_001) });

      expectRefused(res, 413, "PAYLOAD_TOO_LARGE", "The request body exceeds 100000 bytes.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a chunked body without Content-Length once it passes the limit: 413, no OMS call", async () => {
      const text = commandOfSize(250_000);
      const chunks = Array.from({ length: Math.ceil(text.length / 16_384) }, (_, i) =>
        Buffer.from(text.slice(i * 16_384, (i + 1) * 16_384)),
      );
      const res = await send(h, { headers: JSON_TYPE, body: Readable.from(chunks) });

      expectRefused(res, 413, "PAYLOAD_TOO_LARGE", "The request body exceeds 100000 bytes.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses an oversized body before checking that it is JSON", async () => {
      const res = await send(h, { headers: JSON_TYPE, body: `{${"x".repeat(200_000)}` });

      expectRefused(res, 413, "PAYLOAD_TOO_LARGE");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("reads a body of exactly the limit, whose 99 kB tracking number is then refused as INVALID_LENGTH", async () => {
      const res = await send(h, { headers: JSON_TYPE, body: commandOfSize(100_000) });

      expectInvalidField(h, res, "trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH");
    });
  });

  describe("document limits", () => {
    const nested = (levels: number, inner: string) =>
      `${"... on Query { ".repeat(levels)}${inner}${" }".repeat(levels)}`;

    it("refuses a deep query (13 nested fragments around a package read): 400 MAX_DEPTH_EXCEEDED, no OMS call", async () => {
      const res = await postJson(h, { query: `{ ${nested(12, 'package(id: "1001") { id }')} }` });

      expectRefused(
        res,
        400,
        "MAX_DEPTH_EXCEEDED",
        /^Syntax Error: Query depth limit of 12 exceeded, found 14\./,
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("runs a query at the depth limit (12)", async () => {
      const res = await postJson(h, { query: `{ ${nested(10, 'package(id: "1001") { id }')} }` });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ data: { package: { id: "1001" } } });
    });

    it("refuses 100 levels of nesting within the token limit: 400 MAX_COST_EXCEEDED and MAX_DEPTH_EXCEEDED", async () => {
      const res = await postJson(h, { query: `{ ${nested(100, "__typename")} }` });

      expectRefusedAll(res, 400, ["MAX_COST_EXCEEDED", "MAX_DEPTH_EXCEEDED"]);
      expect(res.body.errors?.[1]?.message).toBe(
        "Syntax Error: Query depth limit of 12 exceeded, found 101.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses 950 levels of nesting before parsing: 400 MAX_DEPTH_EXCEEDED", async () => {
      const res = await postJson(h, { query: `{ ${nested(950, "__typename")} }` });

      expectRefusedAll(res, 400, ["MAX_DEPTH_EXCEEDED"]);
      expect(res.body.errors?.[0]?.message).toBe("The document nests deeper than 128 levels.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses 20 000 unclosed selections with a limit code, not by exhausting the parser's stack", async () => {
      // About 2 200 levels overflow graphql-js's recursive parser, before the 5 000th token is
      // counted; the refusal must still be one of the limits callers can switch on.
      const res = await postJson(h, { query: "{ a ".repeat(20_000) });

      expect(res.status, res.text).toBe(400);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]?.message).not.toContain("call stack");
      expect(["MAX_TOKENS_EXCEEDED", "MAX_DEPTH_EXCEEDED"]).toContain(res.body.errors?.[0]?.extensions?.code);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a wide query (1000 package fields): 400 MAX_TOKENS_EXCEEDED, no OMS call", async () => {
      const fields = Array.from({ length: 1000 }, (_, i) => `package(id: "${2000 + i}") { id }`);
      const res = await postJson(h, { query: `{ ${fields.join(" ")} }` });

      expectRefused(
        res,
        400,
        "MAX_TOKENS_EXCEEDED",
        /^Syntax Error: Document contains more tha[nt] 5000 tokens/,
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("merges 100 copies of one field into one field and one OMS read", async () => {
      const res = await postJson(h, { query: `{ ${'package(id: "1001") { id } '.repeat(100)} }` });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ data: { package: { id: "1001" } } });
      expect(h.sim.requests.map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/1001/"]);
    });

    it("refuses 500 copies of one field within the token limit before validation: MAX_SELECTIONS_EXCEEDED", async () => {
      // Checking that same-named fields can merge compares them in pairs; the selection set is
      // measured first, so those comparisons never start.
      const res = await postJson(h, { query: `{ ${'package(id: "1001") { id } '.repeat(500)} }` });

      expectRefused(
        res,
        400,
        "MAX_SELECTIONS_EXCEEDED",
        "One selection set of the document holds 500 fields; at most 128 are allowed.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses an alias flood (101 aliased package reads): 400 MAX_ALIASES_EXCEEDED, no OMS call", async () => {
      const fields = Array.from({ length: 101 }, (_, i) => `p${i}: package(id: "${2000 + i}") { id }`);
      const res = await postJson(h, { query: `{ ${fields.join(" ")} }` });

      expectRefused(
        res,
        400,
        "MAX_ALIASES_EXCEEDED",
        "The document uses 101 aliases; at most 100 are allowed.",
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("counts aliases inside fragments each time the fragment is spread", async () => {
      const aliases = Array.from({ length: 60 }, (_, i) => `p${i}: package(id: "${2000 + i}") { id }`);
      const res = await postJson(h, {
        query: `{ ...A ... on Query { ...A } } fragment A on Query { ${aliases.join(" ")} }`,
      });

      expectRefused(res, 400, "MAX_ALIASES_EXCEEDED");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses two aliased commands in one operation: 400 TOO_MANY_MUTATION_FIELDS, no command", async () => {
      const input = '{ packageId: "1001", cargoCompanyId: "2", trackingNumber: "A", transitionId: 41 }';
      const res = await postJson(h, {
        query: `mutation { a: updatePackageShipment(input: ${input}) { __typename } b: updatePackageShipment(input: ${input}) { __typename } }`,
      });

      expectRefused(res, 400, "TOO_MANY_MUTATION_FIELDS");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses aliased commands hidden in a fragment: 400 TOO_MANY_MUTATION_FIELDS, no command", async () => {
      const input = '{ packageId: "1001", cargoCompanyId: "2", trackingNumber: "A", transitionId: 41 }';
      const res = await postJson(h, {
        query: `mutation { ...M } fragment M on Mutation { a: updatePackageShipment(input: ${input}) { __typename } ... on Mutation { b: updatePackageShipment(input: ${input}) { __typename } } }`,
      });

      expectRefused(res, 400, "TOO_MANY_MUTATION_FIELDS");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a directive flood (21 fields with @include): 400 MAX_DIRECTIVES_EXCEEDED, no OMS call", async () => {
      const fields = Array.from(
        { length: 21 },
        (_, i) => `p${i}: package(id: "${2000 + i}") @include(if: true) { id }`,
      );
      const res = await postJson(h, { query: `{ ${fields.join(" ")} }` });

      expectRefused(
        res,
        400,
        "MAX_DIRECTIVES_EXCEEDED",
        /^Syntax Error: Directives limit of 20 exceeded, found 21\./,
      );
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a thousand unknown directives on one field: 400 MAX_DIRECTIVES_EXCEEDED first, then at most 100 errors", async () => {
      const res = await postJson(h, { query: `{ package(id: "1001") ${"@x ".repeat(1000)} { id } }` });

      expect(res.status).toBe(400);
      expect(res.body.data).toBeUndefined();
      const errors = res.body.errors ?? [];
      expect(errors[0]).toStrictEqual({
        message: "Syntax Error: Directives limit of 20 exceeded, found 1000.",
        extensions: { code: "MAX_DIRECTIVES_EXCEEDED" },
      });
      // graphql-js stops collecting at 100 validation errors, so the answer stays small.
      expect(errors.map((e) => `${e.extensions?.code} ${e.message}`).slice(1)).toStrictEqual([
        ...Array.from({ length: 99 }, () => 'GRAPHQL_VALIDATION_FAILED Unknown directive "@x".'),
        "GRAPHQL_VALIDATION_FAILED Too many validation errors, error limit reached. Validation aborted.",
      ]);
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each([
      [
        "two fragments spreading each other",
        "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }",
        'Cannot spread fragment "A" within itself via "B".',
      ],
      [
        "a fragment spreading itself",
        "{ ...A } fragment A on Query { __typename ...A }",
        'Cannot spread fragment "A" within itself.',
      ],
      [
        "a cycle among mutation fragments",
        `mutation { ...A } fragment A on Mutation { ...B } fragment B on Mutation { ...A ${COMMAND.slice(11, -2)} }`,
        'Cannot spread fragment "A" within itself via "B".',
      ],
    ])("refuses %s: 400 GRAPHQL_VALIDATION_FAILED, no OMS call", async (_, query, message) => {
      const res = await postJson(h, { query });

      expect(res.status, res.text).toBe(400);
      expect(res.body.data).toBeUndefined();
      expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(
        res.body.errors?.map(() => "GRAPHQL_VALIDATION_FAILED"),
      );
      expect(res.body.errors?.map((e) => e.message)).toContain(message);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses 1500 fragments: 400 MAX_TOKENS_EXCEEDED, no OMS call", async () => {
      const names = Array.from({ length: 1500 }, (_, i) => `F${i}`);
      const query = `{ ${names.map((n) => `...${n}`).join(" ")} } ${names.map((n) => `fragment ${n} on Query { __typename }`).join(" ")}`;
      expect(Buffer.byteLength(JSON.stringify({ query }))).toBeLessThan(100_000);
      const res = await postJson(h, { query });

      expectRefused(res, 400, "MAX_TOKENS_EXCEEDED");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses fragments that double at each of 30 levels (2^30 fields) promptly: MAX_FIELDS_EXCEEDED", async () => {
      const fragments = Array.from(
        { length: 30 },
        (_, i) => `fragment F${i + 1} on Query { ...F${i} ... on Query { ...F${i} } }`,
      );
      const query = `{ ...F30 } fragment F0 on Query { package(id: "1001") { id } } ${fragments.join(" ")}`;
      const started = performance.now();
      const res = await postJson(h, { query });

      expect(performance.now() - started).toBeLessThan(1_000);
      expectRefusedAll(res, 400, ["MAX_FIELDS_EXCEEDED"]);
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe("strings", () => {
    it("refuses a 90 kB trackingNumber in variables as INVALID_LENGTH, with no command", async () => {
      const res = await postJson(h, {
        query: SINGLE,
        variables: { input: valid({ trackingNumber: "A".repeat(90_000) }) },
      });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        data: {
          updatePackageShipment: {
            __typename: "ValidationError",
            message: TRACKING_LENGTH,
            fieldErrors: [fieldError("trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH")],
          },
        },
      });
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a 90 kB trackingNumber written into the document as INVALID_LENGTH, with no command", async () => {
      const query = COMMAND.replace("HOSTILE-1", "A".repeat(90_000)).replace(
        "{ __typename }",
        `{ ${RESULT_FIELDS} }`,
      );
      const res = await postJson(h, { query });

      expectInvalidField(h, res, "trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH");
    });

    it("refuses a 90 kB queryNumber and a 90 kB bulk tracking number, with no command", async () => {
      const single = await postJson(h, {
        query: SINGLE,
        variables: { input: valid({ queryNumber: "Q".repeat(45_000) }) },
      });
      const bulk = await postJson(h, {
        query: BULK,
        variables: { inputs: [valid({ packageId: "2001", trackingNumber: "T".repeat(45_000) })] },
      });

      const queryLength = "queryNumber must be at most 64 characters.";
      expect(single.body.data?.updatePackageShipment).toStrictEqual({
        __typename: "ValidationError",
        message: queryLength,
        fieldErrors: [fieldError("queryNumber", queryLength, "INVALID_LENGTH")],
      });
      expect(bulk.body.data?.updatePackageShipments).toStrictEqual([
        {
          __typename: "ValidationError",
          message: TRACKING_LENGTH,
          fieldErrors: [fieldError("trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH", ["inputs", "0"])],
        },
      ]);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a 90 kB packageId as INVALID_ID without echoing all of it back", async () => {
      const huge = "9".repeat(90_000);
      const res = await postJson(h, { query: SINGLE, variables: { input: valid({ packageId: huge }) } });

      expect(res.status).toBe(200);
      const result = res.body.data?.updatePackageShipment as {
        __typename: string;
        fieldErrors: Array<{ path: string[]; code: string; message: string }>;
      };
      expect(result.__typename).toBe("ValidationError");
      expect(result.fieldErrors.map((e) => [e.path, e.code])).toStrictEqual([
        [["input", "packageId"], "INVALID_ID"],
      ]);
      expect(h.sim.requests).toHaveLength(0);
      // A refusal quotes a bounded part of the value (as the package query does, 40 characters):
      // the answer to a 90 kB value must not carry it back, and must not land in logs whole.
      expect(result.fieldErrors[0]?.message.length).toBeLessThanOrEqual(200);
      expect(res.text.length).toBeLessThan(2_000);
    });

    it.each([
      ["a NUL", "AR\u00001"],
      ["an escape sequence", "AR\u001b[31m1"],
      ["a carriage return and line feed", "AR\r\nSet-Cookie: x=1"],
      ["a right-to-left override", "AR\u202e1"],
      ["a lone surrogate", "AR\ud8001"],
      ["a private-use character", "AR\ue0001"],
      ["a line separator (U+2028)", "AR\u20281"],
      ["a paragraph separator (U+2029)", "AR\u20291"],
    ])("refuses %s in a trackingNumber as INVALID_CHARACTERS, with no command", async (_, trackingNumber) => {
      const res = await postJson(h, { query: SINGLE, variables: { input: valid({ trackingNumber }) } });

      expectInvalidField(h, res, "trackingNumber", TRACKING_CHARACTERS, "INVALID_CHARACTERS");
    });

    it("refuses a raw control character inside a document string (legal GraphQL since 2021) as INVALID_CHARACTERS", async () => {
      const res = await postJson(h, {
        query: COMMAND.replace("HOSTILE-1", "AR\u00011").replace("{ __typename }", `{ ${RESULT_FIELDS} }`),
      });

      expectInvalidField(h, res, "trackingNumber", TRACKING_CHARACTERS, "INVALID_CHARACTERS");
    });

    it("refuses a raw line break inside a document string: 400 GRAPHQL_PARSE_FAILED, no command", async () => {
      const res = await postJson(h, { query: COMMAND.replace("HOSTILE-1", "AR\n1") });

      expectRefused(res, 400, "GRAPHQL_PARSE_FAILED", "Syntax Error: Unterminated string.");
      expect(h.sim.requests).toHaveLength(0);
    });

    it("refuses a control character written as an escape in a document string as INVALID_CHARACTERS", async () => {
      const res = await postJson(h, {
        query: COMMAND.replace("HOSTILE-1", "AR\\u00001").replace("{ __typename }", `{ ${RESULT_FIELDS} }`),
      });

      expectInvalidField(h, res, "trackingNumber", TRACKING_CHARACTERS, "INVALID_CHARACTERS");
    });

    it("refuses a tracking number of 64 letters each with a variation selector (128 code points) as INVALID_LENGTH", async () => {
      // The OMS counts code points; U+FE0F is one, however it is drawn.
      const trackingNumber = "A\ufe0f".repeat(64);
      const res = await postJson(h, { query: SINGLE, variables: { input: valid({ trackingNumber }) } });

      expect(res.body.data?.updatePackageShipment).toStrictEqual({
        __typename: "ValidationError",
        message: TRACKING_LENGTH,
        fieldErrors: [fieldError("trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH")],
      });
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe("ids", () => {
    const HOSTILE_IDS = [
      "../1",
      "1?x=y",
      "1#x",
      "%2e%2e%2f1",
      "1/../../2",
      "1/",
      "1001/command",
      "١٢٣",
      "１２３",
      "1e3",
      "0x10",
      " 1",
      "1 ",
      "+1",
      "1.0",
      "01",
      "0",
      "-1",
      "1\u0000",
      "1%00",
      "",
      "99999999999999999",
    ];

    it.each(HOSTILE_IDS)("refuses package(id: %j) as BAD_USER_INPUT, with no OMS call", async (id) => {
      const res = await postJson(h, {
        query: "query($id: ID!) { package(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: `A package id is a positive integer, got ${JSON.stringify(id)}.`,
        path: ["package"],
        extensions: { code: "BAD_USER_INPUT", argumentName: "id" },
      });
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each(HOSTILE_IDS)("refuses cargoCompany(id: %j) as BAD_USER_INPUT, with no OMS call", async (id) => {
      const res = await postJson(h, {
        query: "query($id: ID!) { cargoCompany(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ cargoCompany: null });
      expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["BAD_USER_INPUT"]);
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each(HOSTILE_IDS)(
      "refuses %j as packageId and cargoCompanyId with INVALID_ID, with no command",
      async (id) => {
        const res = await postJson(h, {
          query: SINGLE,
          variables: { input: valid({ packageId: id, cargoCompanyId: id }) },
        });

        expect(res.status).toBe(200);
        expect(res.body.data?.updatePackageShipment).toStrictEqual({
          __typename: "ValidationError",
          message: `${invalidId("packageId", id)} (and 1 more problems)`,
          fieldErrors: [
            fieldError("packageId", invalidId("packageId", id), "INVALID_ID"),
            fieldError("cargoCompanyId", invalidId("cargoCompanyId", id), "INVALID_ID"),
          ],
        });
        expect(h.sim.requests).toHaveLength(0);
      },
    );

    it("refuses every hostile id in one bulk call item by item, and sends only the valid one", async () => {
      const inputs = [...HOSTILE_IDS, "2001"].map((packageId) => valid({ packageId }));
      const res = await postJson(h, { query: BULK, variables: { inputs } });

      expect(res.status).toBe(200);
      const items = res.body.data?.updatePackageShipments as Array<{
        __typename: string;
        fieldErrors?: Array<{ code: string }>;
      }>;
      expect(items.map((i) => i.__typename)).toStrictEqual([
        ...HOSTILE_IDS.map(() => "ValidationError"),
        "ShipmentUpdated",
      ]);
      expect(items.slice(0, -1).map((i) => i.fieldErrors?.map((e) => e.code))).toStrictEqual(
        HOSTILE_IDS.map(() => ["INVALID_ID"]),
      );
      expect(h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toStrictEqual([
        "POST /api/v1/oms/packages/2001/command/",
      ]);
    });

    it.each([
      [1001, "/api/v1/oms/packages/1001/"],
      [9007199254740991, "/api/v1/oms/packages/9007199254740991/"],
    ])("sends an id given as the JSON number %d as plain digits", async (id, path) => {
      const res = await postJson(h, {
        query: "query($id: ID!) { package(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(h.sim.requests.map((r) => `${r.path}${r.search}`)).toStrictEqual([path]);
    });

    it.each([
      ["1e21", 1e21],
      ["2^53 + 2", 9007199254740994],
      ["-1", -1],
    ])("refuses the JSON number %s as a package id, with no OMS call", async (_, id) => {
      const res = await postJson(h, {
        query: "query($id: ID!) { package(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["BAD_USER_INPUT"]);
      expect(h.sim.requests).toHaveLength(0);
    });
  });

  describe("variables", () => {
    it.each([
      ["input as a string", { input: "1001" }],
      ["input as null", { input: null }],
      ["input as an array", { input: [valid()] }],
      ["no input", {}],
      ["transitionId as a string", { input: valid({ transitionId: "41" }) }],
      ["transitionId as a fraction", { input: valid({ transitionId: 41.5 }) }],
      ["transitionId beyond 32 bits", { input: valid({ transitionId: 2 ** 31 }) }],
      ["packageId as a boolean", { input: valid({ packageId: true }) }],
      ["packageId as a fraction", { input: valid({ packageId: 1001.5 }) }],
      ["packageId as an object", { input: valid({ packageId: { id: 1001 } }) }],
      ["packageId as a list", { input: valid({ packageId: ["1001"] }) }],
      ["trackingNumber as a number", { input: valid({ trackingNumber: 12345 }) }],
      ["trackingNumber as null", { input: valid({ trackingNumber: null }) }],
      ["a field the input does not have", { input: valid({ awb_number: "X" }) }],
    ])("refuses %s: 400 BAD_USER_INPUT, no OMS call", async (_, variables) => {
      const res = await postJson(h, { query: SINGLE, variables });

      expectRefused(res, 400, "BAD_USER_INPUT", /^Variable "\$input" /);
      expect(h.sim.requests).toHaveLength(0);
    });

    it.each([
      ["inputs as a string", { inputs: "1001" }],
      ["a null item", { inputs: [valid(), null] }],
      ["an item with a wrong type", { inputs: [valid(), valid({ transitionId: "x" })] }],
    ])("refuses bulk %s: 400 BAD_USER_INPUT, no OMS call", async (_, variables) => {
      const res = await postJson(h, { query: BULK, variables });

      expectRefused(res, 400, "BAD_USER_INPUT", /^Variable "\$inputs" /);
      expect(h.sim.requests).toHaveLength(0);
    });

    it("treats a single object given for the list as a list of one (GraphQL input coercion)", async () => {
      const res = await postJson(h, { query: BULK, variables: { inputs: valid({ packageId: "2001" }) } });

      expect(res.status).toBe(200);
      expect(res.body.data?.updatePackageShipments).toStrictEqual([
        { __typename: "ShipmentUpdated", shipment: { trackingNumber: "HOSTILE-1", queryNumber: null } },
      ]);
      expect(h.commands().map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/2001/command/"]);
    });

    it("refuses more than BULK_MAX_ITEMS (500) inputs: BAD_USER_INPUT, no OMS call", async () => {
      const inputs = Array.from({ length: 501 }, (_, i) => valid({ packageId: String(2000 + i) }));
      const res = await postJson(h, { query: BULK, variables: { inputs } });

      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.map((e) => [e.extensions?.code, e.message])).toStrictEqual([
        ["BAD_USER_INPUT", "updatePackageShipments takes at most 500 inputs per call, got 501."],
      ]);
      expect(h.sim.requests).toHaveLength(0);
    });

    describe("__proto__ and constructor keys", () => {
      const polluted = () => (Object.prototype as Record<string, unknown>).polluted;
      const probe = {} as Record<string, unknown>;

      afterEach(() => {
        expect(polluted()).toBeUndefined();
        expect(probe.trackingNumber).toBeUndefined();
        expect(probe.input).toBeUndefined();
      });

      it("refuses __proto__ inside the input as an unknown field: 400 BAD_USER_INPUT, no command", async () => {
        // Written by hand: JSON.stringify of an object literal would drop the __proto__ key.
        const body = `{"query": ${JSON.stringify(SINGLE)}, "variables": {"input": {"packageId": "1001", "cargoCompanyId": "2", "transitionId": 41, "__proto__": {"trackingNumber": "FROM-PROTO", "polluted": true}}}}`;
        const res = await send(h, { headers: JSON_TYPE, body });

        // The tracking number inside __proto__ is not taken for the input's own.
        expectRefusedAll(res, 400, ["BAD_USER_INPUT", "BAD_USER_INPUT"]);
        expect(res.body.errors?.map((e) => e.message.replace(/^.*; /, ""))).toStrictEqual([
          'Field "trackingNumber" of required type "String!" was not provided.',
          'Field "__proto__" is not defined by type "UpdatePackageShipmentInput".',
        ]);
        expect(h.sim.requests).toHaveLength(0);
      });

      it("does not take $input from a __proto__ key of the variables: 400 BAD_USER_INPUT, no command", async () => {
        const body = `{"query": ${JSON.stringify(SINGLE)}, "variables": {"__proto__": {"input": ${JSON.stringify(valid())}, "polluted": true}}}`;
        const res = await send(h, { headers: JSON_TYPE, body });

        expectRefused(
          res,
          400,
          "BAD_USER_INPUT",
          'Variable "$input" of required type "UpdatePackageShipmentInput!" was not provided.',
        );
        expect(h.sim.requests).toHaveLength(0);
      });

      it("does not take the query from a __proto__ key of the body: 400 BAD_REQUEST, no command", async () => {
        const body = `{"__proto__": {"query": ${JSON.stringify(COMMAND)}, "polluted": true}}`;
        const res = await send(h, { headers: JSON_TYPE, body });

        expectRefused(res, 400, "BAD_REQUEST");
        expect(h.sim.requests).toHaveLength(0);
      });

      it("refuses __proto__ and constructor.prototype inside bulk items: 400 BAD_USER_INPUT, no command", async () => {
        const body = `{"query": ${JSON.stringify(BULK)}, "variables": {"inputs": [${JSON.stringify(valid())}, {"constructor": {"prototype": {"polluted": true}}, "packageId": "1002", "cargoCompanyId": "2", "trackingNumber": "X"}]}}`;
        const res = await send(h, { headers: JSON_TYPE, body });

        expectRefused(res, 400, "BAD_USER_INPUT");
        expect(res.body.errors?.[0]?.message).toContain('Field "constructor" is not defined');
        expect(h.sim.requests).toHaveLength(0);
      });

      it("keeps a __proto__ key in an Idempotency-Key body from reaching the OMS", async () => {
        const body = `{"query": ${JSON.stringify(SINGLE)}, "variables": {"__proto__": {"input": ${JSON.stringify(valid())}}}}`;
        const res = await send(h, { headers: { ...JSON_TYPE, "idempotency-key": "proto-1" }, body });

        expectRefused(res, 400, "BAD_USER_INPUT");
        expect(h.sim.requests).toHaveLength(0);
      });
    });
  });
});

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------
// The property: arbitrary variables for both mutations

const NUM_RUNS = process.env.CI === "true" ? 300 : 100;
const PROPERTY_TIMEOUT_MS = 60_000;

const COMMAND_PATH = /^\/api\/v1\/oms\/packages\/[1-9]\d*\/(command\/)?$/;
const COMMAND_KEYS = ["transition_id", "awb_number", "cargo_company", "query_number"];
const PRINTABLE = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;
const LOCAL_CODES = ["INVALID_ID", "INVALID_LENGTH", "INVALID_CHARACTERS", "OUT_OF_RANGE"];
const SINGLE_MEMBERS = ["ShipmentUpdated", "ValidationError", "CommandRejected"];
const BULK_MEMBERS = [...SINGLE_MEMBERS, "CommandFailed"];

/** Length as the OMS (a Django application) counts it: in code points. */
const codePoints = (text: string) => [...text].length;

/** What makes an OMS request well-formed; returns the problems found, none when it is. */
function problemsOf(r: RecordedRequest): string[] {
  const problems: string[] = [];
  if (!COMMAND_PATH.test(r.path)) problems.push(`path ${JSON.stringify(r.path)}`);
  if (r.search !== "") problems.push(`query string ${JSON.stringify(r.search)}`);
  const isCommand = r.path.endsWith("/command/");
  if (r.method !== (isCommand ? "POST" : "GET")) problems.push(`method ${r.method} on ${r.path}`);
  if (!isCommand) return problems;
  const body = r.json as Record<string, unknown> | undefined;
  if (typeof body !== "object" || body === null || Array.isArray(body))
    return [...problems, "body not an object"];
  const extra = Object.keys(body).filter((k) => !COMMAND_KEYS.includes(k));
  if (extra.length > 0) problems.push(`unexpected keys ${extra.join(",")}`);
  const { transition_id: transition, cargo_company: cargo, awb_number: awb, query_number: query } = body;
  if (!Number.isSafeInteger(transition) || (transition as number) < 1)
    problems.push(`transition_id ${transition}`);
  if (!Number.isSafeInteger(cargo) || (cargo as number) < 1) problems.push(`cargo_company ${cargo}`);
  if (typeof awb !== "string" || codePoints(awb) < 1 || codePoints(awb) > 64) {
    problems.push(`awb_number of ${typeof awb === "string" ? codePoints(awb) : typeof awb} code points`);
  } else if (awb.trim() !== awb || !PRINTABLE.test(awb)) {
    problems.push(`awb_number ${JSON.stringify(awb)} untrimmed or unprintable`);
  }
  if ("query_number" in body) {
    if (typeof query !== "string" || codePoints(query) > 64) {
      problems.push(
        `query_number ${typeof query === "string" ? `of ${codePoints(query)} code points` : typeof query}`,
      );
    } else if (query.trim() !== query || query === "" || !PRINTABLE.test(query)) {
      problems.push(`query_number ${JSON.stringify(query)} untrimmed, empty or unprintable`);
    }
  }
  return problems;
}

// Generators: near-valid inputs (the right shape, hostile values) and anything at all.

const HOSTILE_ID_VALUES = [
  "../1",
  "1?x=y",
  "1#x",
  "%2e%2e%2f1",
  "1/../../2",
  "١٢٣",
  "1e3",
  "0x10",
  " 1",
  "1 ",
  "0",
  "-1",
  "01",
];

const idLike = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom("1001", "1002", "1003", "1004", "1005", "1008") },
  { weight: 6, arbitrary: fc.integer({ min: 2000, max: 2999 }).map(String) },
  { weight: 3, arbitrary: fc.integer({ min: 2000, max: 2999 }) },
  { weight: 2, arbitrary: fc.integer({ min: 3000, max: Number.MAX_SAFE_INTEGER }).map(String) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_ID_VALUES) },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme" }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom("9007199254740992", "9007199254740991", "1".repeat(40)) },
);

const cargoLike = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 1, max: 8 }).map(String) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 12 }) },
  { weight: 3, arbitrary: idLike },
);

const text = fc.oneof(
  { weight: 6, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: "grapheme", maxLength: 70 }) },
  { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 70 }) },
  { weight: 2, arbitrary: fc.string({ minLength: 60, maxLength: 70 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.constantFrom(" ", "\t", "\n", "\u00a0", "\u3000", "\ufeff", ""), fc.string({ maxLength: 64 }))
      .map(([pad, core]) => `${pad}${core}${pad}`),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom("A", "🚚", "Ş", "A\ufe0f", "e\u0301", "\u0000", "\u202e", "\ud800", "\u2028"),
        fc.integer({ min: 1, max: 80 }),
      )
      .map(([unit, n]) => unit.repeat(n)),
  },
  { weight: 1, arbitrary: fc.constantFrom(64, 65, 1_000, 30_000).map((n) => "x".repeat(n)) },
);

const transitionLike = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(41, 42, 43, 44) },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constant(null) },
);

const nearValidInput = fc
  .tuple(
    fc.record(
      {
        packageId: idLike,
        cargoCompanyId: cargoLike,
        trackingNumber: text,
        queryNumber: fc.option(text),
        transitionId: transitionLike,
      },
      { requiredKeys: ["packageId", "cargoCompanyId", "trackingNumber"] },
    ),
    // Now and then a field the input does not have, or a required one left out.
    fc.oneof({ weight: 8, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: fc.object({ maxDepth: 1 }) }),
    fc.oneof(
      { weight: 10, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom("packageId", "cargoCompanyId", "trackingNumber") },
    ),
  )
  .map(([input, extra, dropped]) => {
    const merged: Record<string, unknown> = { ...extra, ...input };
    if (dropped !== null) delete merged[dropped];
    return merged;
  });

const singleVariables = fc.oneof(
  { weight: 1, arbitrary: fc.anything() },
  { weight: 1, arbitrary: fc.object() },
  { weight: 2, arbitrary: fc.record({ input: fc.anything() }) },
  { weight: 8, arbitrary: fc.record({ input: nearValidInput }) },
);

const bulkVariables = fc.oneof(
  { weight: 1, arbitrary: fc.anything() },
  { weight: 1, arbitrary: fc.object() },
  { weight: 2, arbitrary: fc.record({ inputs: fc.anything() }) },
  {
    weight: 2,
    arbitrary: fc.record({ inputs: fc.array(fc.oneof(nearValidInput, fc.anything()), { maxLength: 6 }) }),
  },
  { weight: 6, arbitrary: fc.record({ inputs: fc.array(nearValidInput, { maxLength: 12 }) }) },
);

/** Inputs the gateway must refuse or send well-formed, whatever the random ones did: run first. */
const VARIATION_SELECTORS = "A\ufe0f".repeat(64);
// Each list also holds one plainly valid call, so that the coverage checks after the property (a
// command the OMS accepted was seen) do not depend on what the random runs happened to draw.
const SINGLE_EXAMPLES: Array<[unknown]> = [
  [{ input: valid({ trackingNumber: VARIATION_SELECTORS }) }],
  [{ input: valid({ queryNumber: VARIATION_SELECTORS }) }],
  [{ input: valid({}) }],
];
const BULK_EXAMPLES: Array<[unknown]> = [
  [{ inputs: [valid({ packageId: "2001", trackingNumber: VARIATION_SELECTORS })] }],
  [{ inputs: [valid({ packageId: "2002" })] }],
];

interface Malformed {
  variables: string;
  problems: string[];
}

describe("property: arbitrary variables for both mutations", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  /**
   * Sends one request and checks the answer, throwing (so that fast-check shrinks) when it breaks
   * a rule. Malformed OMS requests are collected rather than thrown, so that one known kind does
   * not hide the rest of the run; they are asserted once the run is over.
   * @returns how the request was answered, e.g. "HTTP 400" or "ShipmentUpdated+ValidationError"
   */
  async function check(
    query: string,
    field: string,
    members: readonly string[],
    variables: unknown,
    malformed: Malformed[],
  ): Promise<string> {
    h.sim.reset();
    const res = await postJson(h, { query, variables });
    const recorded = [...h.sim.requests];
    const problems = recorded.flatMap(problemsOf);
    if (problems.length > 0) malformed.push({ variables: JSON.stringify(variables).slice(0, 300), problems });

    expect(res.status, res.text.slice(0, 300)).toBeLessThan(500);
    const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
    expect(codes).not.toContain("INTERNAL_SERVER_ERROR");
    let answered = `HTTP ${res.status}`;
    if (res.status >= 400) {
      // Refused before anything ran: the OMS heard nothing.
      expect(recorded).toHaveLength(0);
      expect(res.body.errors?.length ?? 0).toBeGreaterThan(0);
    } else {
      expect(res.status).toBe(200);
      if (res.body.errors !== undefined) {
        expect(
          codes.every((c) => c === "BAD_USER_INPUT"),
          res.text.slice(0, 300),
        ).toBe(true);
        expect(res.body.data ?? null).toBeNull();
        expect(recorded).toHaveLength(0);
        answered = "BAD_USER_INPUT";
      } else {
        const data = res.body.data?.[field];
        const items = (Array.isArray(data) ? data : [data]) as Array<{
          __typename: string;
          code?: string;
          fieldErrors?: Array<{ code: string }>;
        }>;
        for (const item of items) {
          expect(members).toContain(item.__typename);
          if (item.__typename === "CommandFailed") expect(item.code).not.toBe("INTERNAL_SERVER_ERROR");
        }
        // A command refused by the gateway's own rules was not sent.
        const only = items[0];
        if (!Array.isArray(data) && only?.fieldErrors?.every((e) => LOCAL_CODES.includes(e.code))) {
          expect(recorded).toHaveLength(0);
        }
        // Never more than one command per package, nor more commands than inputs.
        const commanded = recorded.filter((r) => r.path.endsWith("/command/")).map((r) => r.path);
        expect(new Set(commanded).size).toBe(commanded.length);
        expect(commanded.length).toBeLessThanOrEqual(items.length);
        answered = items.map((i) => i.__typename).join("+") || "[]";
      }
    }
    const live = await request(`${h.url}/health/live`);
    await live.body.dump();
    expect(live.statusCode).toBe(200);
    return answered;
  }

  it.each([
    [
      "updatePackageShipment(input:)",
      SINGLE,
      "updatePackageShipment",
      SINGLE_MEMBERS,
      singleVariables,
      SINGLE_EXAMPLES,
    ],
    [
      "updatePackageShipments(inputs:)",
      BULK,
      "updatePackageShipments",
      BULK_MEMBERS,
      bulkVariables,
      BULK_EXAMPLES,
    ],
  ] as const)(
    "%s: every request gets a 4xx, a union member or BAD_USER_INPUT, and sends only well-formed commands",
    async (_, query, field, members, variables, examples) => {
      const answers = new Set<string>();
      const malformed: Malformed[] = [];
      await fc.assert(
        fc.asyncProperty(variables, async (vars) => {
          answers.add(await check(query, field, members, vars, malformed));
        }),
        { numRuns: NUM_RUNS, examples: [...examples] },
      );
      expect(malformed.slice(0, 5)).toStrictEqual([]);
      // The generators reach both sides: refusals and commands the OMS accepted.
      const seen = [...answers].join(" ");
      expect(seen).toMatch(/HTTP 400/);
      expect(seen).toMatch(/ShipmentUpdated/);
      expect(seen).toMatch(/ValidationError/);
      await expectHealthy(h);
    },
    PROPERTY_TIMEOUT_MS,
  );
});
