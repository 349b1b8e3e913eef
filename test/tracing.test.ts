/**
 * OpenTelemetry traces, exported by OTLP to a receiver in this process: a request that arrives with
 * a W3C traceparent (on /graphql or /subgraph) continues that trace through the request, the
 * operation, the resolver and each OMS call (the OMS gets the trace context and x-request-id);
 * retries and the breaker show on the OMS call spans; without OTEL_* settings the OMS gets no
 * traceparent and the log no trace id.
 *
 * Spans are batched, so each gateway is stopped (which sends the last batch) before its spans are
 * read: the count is then final.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpdatePackageShipmentWithPackageDocument } from "./generated/operations.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { type OtlpReceiver, type ReceivedSpan, startOtlpReceiver } from "./helpers/otlp-receiver.js";

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID = "00f067aa0ba902b7";
const TRACEPARENT = `00-${TRACE_ID}-${CALLER_SPAN_ID}-01`;
const ROUTER_TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const ROUTER_TRACEPARENT = `00-${ROUTER_TRACE_ID}-${CALLER_SPAN_ID}-01`;
const SERVER = 2;
const CLIENT = 3;

const input = (packageId: string, trackingNumber: string) => ({
  packageId,
  cargoCompanyId: "2",
  trackingNumber,
});

function only(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  expect(found.map((span) => span.name)).toEqual([name]);
  return found[0] as ReceivedSpan;
}

const traceOf = (spans: ReceivedSpan[], traceId: string) => spans.filter((span) => span.traceId === traceId);
const childrenOf = (spans: ReceivedSpan[], parent: ReceivedSpan) =>
  spans.filter((span) => span.parentSpanId === parent.spanId);

describe("a mutation sent with a traceparent, exported as OTLP/JSON", () => {
  let receiver: OtlpReceiver;
  let h: Harness;
  let res: Awaited<ReturnType<Harness["gql"]>>;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    h = await startHarness({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test",
    });
    res = await h.gql(
      UpdatePackageShipmentWithPackageDocument,
      { input: input("1001", "TR-1") },
      { traceparent: TRACEPARENT, "x-request-id": "trace-test-1" },
    );
    // A router's call to the subgraph, in another trace.
    await h.post(
      "/subgraph",
      JSON.stringify({
        query:
          '{ _entities(representations: [{__typename: "Package", id: "1002"}]) { ... on Package { id } } }',
      }),
      {
        traceparent: ROUTER_TRACEPARENT,
      },
    );
    await h.close();
  });
  afterAll(() => receiver.close());

  it("continues the caller's trace: request, operation, resolver, OMS calls", () => {
    expect(res.body.data).toMatchObject({ updatePackageShipment: { __typename: "ShipmentUpdated" } });
    expect(receiver.posts.every((post) => post.path === "/v1/traces")).toBe(true);
    const spans = traceOf(receiver.spans, TRACE_ID);

    const request = only(spans, "POST /graphql");
    expect(request.kind).toBe(SERVER);
    expect(request.parentSpanId).toBe(CALLER_SPAN_ID);
    expect(request.attributes).toMatchObject({
      "http.request.method": "POST",
      "http.route": "/graphql",
      "http.response.status_code": 200,
      "oms_graph.request_id": "trace-test-1",
      "oms_graph.outcome": "ShipmentUpdated",
    });
    expect(request.resource).toMatchObject({
      "service.name": "oms-graph",
      "deployment.environment.name": "test",
    });

    const operation = only(spans, "mutation UpdatePackageShipmentWithPackage");
    expect(operation.parentSpanId).toBe(request.spanId);
    expect(operation.attributes).toMatchObject({
      "graphql.operation.type": "mutation",
      "graphql.operation.name": "UpdatePackageShipmentWithPackage",
    });

    const resolver = only(spans, "Mutation.updatePackageShipment");
    expect(resolver.parentSpanId).toBe(operation.spanId);
    expect(resolver.attributes).toMatchObject({
      "graphql.field.path": "updatePackageShipment",
      "oms_graph.package_ids": ["1001"],
    });

    // The use case reads the package (its status picks the transition), then sends the command.
    const omsCalls = childrenOf(spans, resolver);
    expect(omsCalls.map((span) => span.name)).toEqual([
      "GET /api/v1/oms/packages/{id}/",
      "POST /api/v1/oms/packages/{id}/command/",
    ]);
    const command = omsCalls[1] as ReceivedSpan;
    expect(command.kind).toBe(CLIENT);
    expect(command.attributes).toMatchObject({
      "http.request.method": "POST",
      "url.template": "/api/v1/oms/packages/{id}/command/",
      "http.response.status_code": 204,
      "oms.route": "command",
      "oms.breaker.state": "closed",
      "server.address": "127.0.0.1",
    });
    expect(command.attributes["http.request.resend_count"]).toBeUndefined();

    // The lazy package read of ShipmentUpdated.package is a resolver of its own.
    const lazy = only(spans, "ShipmentUpdated.package");
    expect(lazy.parentSpanId).toBe(operation.spanId);
    expect(childrenOf(spans, lazy).map((span) => span.name)).toEqual(["GET /api/v1/oms/packages/{id}/"]);
  });

  it("continues a router's trace on /subgraph, down to the entity read", () => {
    const spans = traceOf(receiver.spans, ROUTER_TRACE_ID);
    const request = only(spans, "POST /subgraph");
    expect(request.parentSpanId).toBe(CALLER_SPAN_ID);
    const entities = only(spans, "Query._entities");
    expect(entities.attributes["oms_graph.package_ids"]).toEqual(["1002"]);
    expect(childrenOf(spans, entities).map((span) => span.name)).toEqual(["GET /api/v1/oms/packages/{id}/"]);
  });

  it("sends the OMS call's trace context and the request id to the OMS with each call", () => {
    const spans = traceOf(receiver.spans, TRACE_ID);
    const omsSpans = spans.filter((span) => span.kind === CLIENT);
    const sentForMutation = h.sim.requests.filter((r) => r.headers["x-request-id"] === "trace-test-1");
    expect(sentForMutation).toHaveLength(omsSpans.length);
    for (const [index, sent] of sentForMutation.entries()) {
      const span = omsSpans.find((s) => sent.headers.traceparent === `00-${TRACE_ID}-${s.spanId}-01`);
      expect(span, `traceparent of OMS request ${index}: ${String(sent.headers.traceparent)}`).toBeDefined();
      expect(sent.headers["x-request-id"]).toBe("trace-test-1");
    }
    const command = h.commands()[0];
    const commandSpan = only(spans, "POST /api/v1/oms/packages/{id}/command/");
    expect(command?.headers.traceparent).toBe(`00-${TRACE_ID}-${commandSpan.spanId}-01`);
  });

  it("writes the trace id on the request line, and a debug line per OMS call", () => {
    const line = h.logs.find((l) => l.msg === "request" && l.requestId === "trace-test-1");
    expect(line).toMatchObject({ trace_id: TRACE_ID, level: "info" });
    const calls = h.logs.filter((l) => l.msg === "oms call" && l.requestId === "trace-test-1");
    expect(calls).toMatchObject([
      { level: "debug", trace_id: TRACE_ID, route: "package", method: "GET", status: 200, attempt: 0 },
      {
        level: "debug",
        route: "command",
        method: "POST",
        path: "/api/v1/oms/packages/1001/command/",
        status: 204,
      },
      { level: "debug", route: "package", method: "GET", status: 200, breaker: "closed" },
      { level: "debug", route: "cargo_companies", method: "GET", status: 200 },
    ]);
  });
});

describe("OMS call spans of retries and of an open breaker", () => {
  let receiver: OtlpReceiver;
  let h: Harness;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    h = await startHarness({
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`,
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: "http/json",
      OMS_READ_ATTEMPTS: "2",
      OMS_BREAKER_THRESHOLD: "2",
      OMS_BREAKER_HALF_OPEN_MS: "600000",
    });
    // A read answered 503, then 200: two tries of one call.
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 1,
      fault: { kind: "status", status: 503 },
    });
    await h.gql('{ package(id: "1002") { id } }', undefined, { "x-request-id": "trace-retry" });
    // Two 503s in a row open the breaker; the next call is refused without reaching the OMS.
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1003/",
      fault: { kind: "status", status: 503 },
    });
    await h.gql('{ package(id: "1003") { id } }', undefined, { "x-request-id": "trace-open" });
    await h.gql('{ package(id: "1004") { id } }', undefined, { "x-request-id": "trace-refused" });
    await h.close();
  });
  afterAll(() => receiver.close());

  const omsSpansOf = (requestId: string) => {
    const request = receiver.spans.find((span) => span.attributes["oms_graph.request_id"] === requestId);
    expect(request).toBeDefined();
    return traceOf(receiver.spans, request?.traceId ?? "").filter((span) => span.kind === CLIENT);
  };

  it("gives each try its span, the retry with its resend count", () => {
    const tries = omsSpansOf("trace-retry");
    expect(tries.map((span) => span.attributes["http.response.status_code"])).toEqual([503, 200]);
    expect(tries.map((span) => span.attributes["http.request.resend_count"])).toEqual([undefined, 1]);
    expect(tries[0]?.status.code).toBe(2);
    expect(tries[0]?.attributes["error.type"]).toBe("503");
  });

  it("marks a call the open breaker refused, which the OMS never saw", () => {
    const refused = omsSpansOf("trace-refused");
    expect(refused).toHaveLength(1);
    expect(refused[0]?.attributes).toMatchObject({
      "oms.breaker.state": "open",
      "error.type": "circuit_open",
    });
    expect(refused[0]?.attributes["http.response.status_code"]).toBeUndefined();
    expect(h.sim.requests.filter((r) => r.path === "/api/v1/oms/packages/1004/")).toEqual([]);
    const request = receiver.spans.find(
      (span) => span.attributes["oms_graph.request_id"] === "trace-refused",
    );
    expect(request?.attributes["oms_graph.code"]).toBe("OMS_UNAVAILABLE");
  });

  it("starts a new trace for a request without a traceparent", () => {
    const request = receiver.spans.find((span) => span.attributes["oms_graph.request_id"] === "trace-retry");
    expect(request?.parentSpanId).toBe("");
    expect(request?.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});

describe("the default protocol, OTLP/protobuf", () => {
  it("posts protobuf to /v1/traces, carrying the caller's trace id", async () => {
    const receiver = await startOtlpReceiver();
    try {
      const h = await startHarness({ OTEL_EXPORTER_OTLP_ENDPOINT: `${receiver.url}/` });
      await h.gql('{ package(id: "1001") { id } }', undefined, { traceparent: TRACEPARENT });
      await h.close();
      expect(receiver.posts.length).toBeGreaterThan(0);
      expect(receiver.posts.map((post) => [post.path, post.contentType])).toContainEqual([
        "/v1/traces",
        "application/x-protobuf",
      ]);
      const bodies = Buffer.concat(receiver.posts.map((post) => post.body));
      expect(bodies.includes(Buffer.from(TRACE_ID, "hex"))).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});

describe("without OTEL_* settings", () => {
  it("sends the OMS the request id but no trace context, and logs no trace id", async () => {
    const h = await startHarness();
    try {
      await h.gql('{ package(id: "1001") { id } }', undefined, {
        traceparent: TRACEPARENT,
        "x-request-id": "untraced",
      });
      const [sent] = h.sim.requests;
      expect(sent?.headers["x-request-id"]).toBe("untraced");
      expect(sent?.headers.traceparent).toBeUndefined();
      const line = h.logs.find((l) => l.msg === "request" && l.requestId === "untraced");
      expect(line).toBeDefined();
      expect(line?.trace_id).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});
