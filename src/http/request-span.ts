/**
 * The span of one GraphQL HTTP request: a child of the caller's W3C `traceparent` when it sent one
 * (a router, a traced frontend), the root of a new trace otherwise. Everything the request does
 * runs inside it, so the operation, resolver and OMS call spans nest under it.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import {
  INVALID_SPAN_CONTEXT,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { TRACER_NAME, tracingOn } from "../tracing.js";

// The span of every request while the process does not trace: the API's own non-recording span.
const UNTRACED = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/** Runs `handle` inside the request's span, ended when the answer is written or the connection ends. */
export function inRequestSpan<T>(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  requestId: string,
  handle: (span: Span) => Promise<T>,
): Promise<T> {
  if (!tracingOn()) return handle(UNTRACED);
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const method = req.method ?? "GET";
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(`${method} ${path}`, { kind: SpanKind.SERVER }, parent, (span) => {
      // Without tracing the span is the API's no-op: nothing to describe or end.
      if (span.isRecording()) describe(span, req, res, method, path, requestId);
      return handle(span);
    });
}

/** The trace id to log with the request, when the request is traced. */
export function traceIdOf(span: Span): string | undefined {
  const spanContext = span.spanContext();
  return trace.isSpanContextValid(spanContext) ? spanContext.traceId : undefined;
}

function describe(
  span: Span,
  req: IncomingMessage,
  res: ServerResponse,
  method: string,
  path: string,
  requestId: string,
): void {
  span.setAttributes({
    "http.request.method": method,
    "http.route": path,
    "url.path": path,
    "url.scheme": "http",
    "server.port": req.socket.localPort ?? 0,
    "client.address": req.socket.remoteAddress ?? "",
    "user_agent.original": req.headers["user-agent"] ?? "",
    "oms_graph.request_id": requestId,
  });
  const end = () => {
    span.setAttribute("http.response.status_code", res.statusCode);
    const stats = res.locals?.stats;
    const code = res.refusedWith ?? stats?.code;
    if (stats?.outcome) span.setAttribute("oms_graph.outcome", stats.outcome);
    if (code) span.setAttribute("oms_graph.code", code);
    // A server span is an error only when the server failed; a 4xx is the caller's mistake.
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    if (!res.writableFinished) span.setAttribute("error.type", "connection_closed");
    span.end();
  };
  // "close" comes after the answer is written, or when the connection ends before that.
  res.once("close", end);
}
