/**
 * Hostile input over HTTP, before GraphQL runs: content types, malformed or oversized bodies and
 * GET requests are each answered with a stable status and code, none reaches the OMS, and the
 * gateway keeps serving afterwards.
 */
import { Readable } from "node:stream";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import {
  Answer,
  COMMAND,
  CSRF_MESSAGE,
  expectInvalidField,
  expectRefused,
  hostileGateway,
  JSON_TYPE,
  postJson,
  SINGLE,
  send,
  TRACKING_LENGTH,
  valid,
} from "../helpers/hostile-requests.js";

describe("hostile requests to /graphql", () => {
  const gw = hostileGateway();

  it("runs the command of these tests when it is sent properly (the control)", async () => {
    const res = await postJson(gw.h, { query: COMMAND });

    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ data: { updatePackageShipment: { __typename: "ShipmentUpdated" } } });
    expect(gw.h.commands().map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/1001/command/"]);
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
      const res = await send(gw.h, { headers: { "content-type": type }, body });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a POST without a content type as a possible CSRF: 400 BAD_REQUEST, no OMS call", async () => {
      const res = await send(gw.h, { body: JSON.stringify({ query: COMMAND }) });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(gw.h.sim.requests).toHaveLength(0);
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
      const res = await send(gw.h, { headers, body: JSON.stringify({ query: COMMAND }) });

      expectRefused(
        res,
        400,
        "BAD_REQUEST",
        "POST body missing, invalid Content-Type, or JSON object has no keys.",
      );
      expect(gw.h.sim.requests).toHaveLength(0);
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
      const res = await send(gw.h, { headers: JSON_TYPE, body });

      expectRefused(res, 400, "BAD_REQUEST", "The request body is not valid JSON.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a batch (operation batching is off): 400 BAD_REQUEST, no OMS call", async () => {
      const res = await postJson(gw.h, [{ query: COMMAND }, { query: COMMAND }]);

      expectRefused(res, 400, "BAD_REQUEST", "Operation batching disabled.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a batch of one, with an Idempotency-Key too: 400 BAD_REQUEST, no OMS call", async () => {
      const res = await postJson(gw.h, [{ query: COMMAND }], { "idempotency-key": "batch-1" });

      expectRefused(res, 400, "BAD_REQUEST", "Operation batching disabled.");
      expect(gw.h.sim.requests).toHaveLength(0);
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
        const res = await postJson(gw.h, payload);

        expectRefused(res, 400, "BAD_REQUEST", message);
        expect(gw.h.sim.requests).toHaveLength(0);
      },
    );

    it("refuses an anonymous operation next to another one: 400 GRAPHQL_VALIDATION_FAILED, no OMS call", async () => {
      const res = await postJson(gw.h, { query: `${COMMAND} query Q { __typename }` });

      expectRefused(
        res,
        400,
        "GRAPHQL_VALIDATION_FAILED",
        "This anonymous operation must be the only defined operation.",
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses two operations without an operationName: 400, no OMS call", async () => {
      const res = await postJson(gw.h, {
        query: `${COMMAND.replace("mutation {", "mutation M {")} query Q { __typename }`,
      });

      expectRefused(
        res,
        400,
        "OPERATION_RESOLUTION_FAILURE",
        "Must provide operation name if query contains multiple operations.",
      );
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses an operationName the document does not hold: 400, no OMS call", async () => {
      const res = await postJson(gw.h, { query: COMMAND, operationName: "Other" });

      expectRefused(res, 400, "OPERATION_RESOLUTION_FAILURE", 'Unknown operation named "Other".');
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses another method: 405 with Allow, no OMS call", async () => {
      const res = await send(gw.h, {
        method: "PUT",
        headers: JSON_TYPE,
        body: JSON.stringify({ query: COMMAND }),
      });

      expectRefused(res, 405, "METHOD_NOT_ALLOWED");
      expect(res.headers.allow).toBe("GET, POST");
      expect(gw.h.sim.requests).toHaveLength(0);
    });
  });

  describe("GET", () => {
    it("refuses a mutation over GET with a preflight header: 405 with Allow: POST, no command", async () => {
      const res = await send(gw.h, {
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
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a mutation over GET without a preflight header as a possible CSRF: 400, no command", async () => {
      const res = await send(gw.h, { method: "GET", params: { query: COMMAND } });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a query over GET with neither a JSON content type nor a preflight header: 400 CSRF, no OMS call", async () => {
      // A plain <img src> or link could send this from any site; Apollo requires a header only a
      // script can set, which forces a CORS preflight.
      const res = await send(gw.h, { method: "GET", params: { query: '{ package(id: "1001") { id } }' } });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a GET with a simple content type as a possible CSRF even with a JSON accept", async () => {
      const res = await send(gw.h, {
        method: "GET",
        params: { query: '{ package(id: "1001") { id } }' },
        headers: { "content-type": "text/plain", accept: "application/json" },
      });

      expectRefused(res, 400, "BAD_REQUEST", CSRF_MESSAGE);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a GET with a non-JSON content type once the CSRF check passes: 415", async () => {
      const res = await send(gw.h, {
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
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it.each([
      ["apollo-require-preflight", { "apollo-require-preflight": "true" }],
      ["x-apollo-operation-name", { "x-apollo-operation-name": "Read" }],
      ["a JSON content type", JSON_TYPE],
    ])("runs a query over GET that carries %s", async (_, headers) => {
      const res = await send(gw.h, {
        method: "GET",
        params: { query: 'query Read { package(id: "1001") { id } }' },
        headers,
      });

      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({ data: { package: { id: "1001" } } });
      expect(gw.h.sim.requests.map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/1001/"]);
    });

    it("refuses a repeated query parameter: 400 BAD_REQUEST, no OMS call", async () => {
      const url = `${gw.h.url}/graphql?query=${encodeURIComponent("{ __typename }")}&query=${encodeURIComponent('{ package(id: "1001") { id } }')}`;
      const res = await request(url, { headers: { "apollo-require-preflight": "true" } });
      const body = (await res.body.json()) as Answer["body"];

      expect(res.statusCode).toBe(400);
      expect(body.errors?.[0]?.extensions?.code).toBe("BAD_REQUEST");
      expect(body.errors?.[0]?.message).toBe("The 'query' search parameter may only be specified once.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("answers a URL longer than Node's header limit with 431 and keeps serving", async () => {
      const res = await send(gw.h, {
        method: "GET",
        params: { query: `{ ${"__typename ".repeat(3_000)} }` },
        headers: { "apollo-require-preflight": "true" },
      });

      expect(res.status).toBe(431);
      expect(gw.h.sim.requests).toHaveLength(0);
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
      const res = await send(gw.h, { headers: JSON_TYPE, body: commandOfSize(100_001) });

      expectRefused(res, 413, "PAYLOAD_TOO_LARGE", "The request body exceeds 100000 bytes.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses a chunked body without Content-Length once it passes the limit: 413, no OMS call", async () => {
      const text = commandOfSize(250_000);
      const chunks = Array.from({ length: Math.ceil(text.length / 16_384) }, (_, i) =>
        Buffer.from(text.slice(i * 16_384, (i + 1) * 16_384)),
      );
      const res = await send(gw.h, { headers: JSON_TYPE, body: Readable.from(chunks) });

      expectRefused(res, 413, "PAYLOAD_TOO_LARGE", "The request body exceeds 100000 bytes.");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("refuses an oversized body before checking that it is JSON", async () => {
      const res = await send(gw.h, { headers: JSON_TYPE, body: `{${"x".repeat(200_000)}` });

      expectRefused(res, 413, "PAYLOAD_TOO_LARGE");
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("reads a body of exactly the limit, whose 99 kB tracking number is then refused as INVALID_LENGTH", async () => {
      const res = await send(gw.h, { headers: JSON_TYPE, body: commandOfSize(100_000) });

      expectInvalidField(gw.h, res, "trackingNumber", TRACKING_LENGTH, "INVALID_LENGTH");
    });
  });
});
