/**
 * What one try of an OMS call leaves behind for operators: a client span (method, route template,
 * status, which try, the breaker's state) under whatever span is active, the resolver's, and a
 * debug log line. The span is active while the request is sent, so `OmsHttp` passes its trace
 * context on to the OMS in `traceparent`.
 */
import { type Span, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OmsError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import { TRACER_NAME, tracingOn } from "../tracing.js";
import type { BreakerState } from "./breaker.js";
import type { OmsResponse } from "./http.js";
import type { OmsCall } from "./telemetry.js";

export interface CallTry {
  method: string;
  /** The path as sent, query included. */
  path: string;
  route: OmsCall["route"];
  /** 0 for the first try of a call, 1 for its first retry, ... */
  attempt: number;
  /** The breaker's state as the try began. */
  breaker: BreakerState;
  requestId: string | undefined;
}

export interface CallTraceOptions {
  /** The OMS's origin and path prefix, for the span's server and route template. */
  origin: string;
  prefix: string;
  /** Where the debug line of each try goes; none: no line. */
  log?: Logger;
}

/** Ids in a path become `{id}` and the query goes: a route template has few values. */
export function routeTemplate(path: string): string {
  const question = path.indexOf("?");
  return (question === -1 ? path : path.slice(0, question)).replace(/\/\d+(?=\/|$)/g, "/{id}");
}

/** Runs one try of an OMS call inside its span, and logs it at debug. */
export function traceCall(
  options: CallTraceOptions,
  describeTry: () => CallTry,
  send: () => Promise<OmsResponse>,
): Promise<OmsResponse> {
  if (!tracingOn() && !options.log?.isLevelEnabled("debug")) return send();
  const call = describeTry();
  const template = options.prefix + routeTemplate(call.path);
  const started = performance.now();
  return trace
    .getTracer(TRACER_NAME)
    .startActiveSpan(`${call.method} ${template}`, { kind: SpanKind.CLIENT }, async (span) => {
      if (span.isRecording()) describe(span, options, call, template);
      try {
        const res = await send();
        answered(span, res.status);
        logTry(options, call, started, res.status, null);
        return res;
      } catch (error) {
        const kind = failureKind(error);
        span.setAttribute("error.type", kind);
        span.setStatus({ code: SpanStatusCode.ERROR, message: kind });
        logTry(options, call, started, null, kind);
        throw error;
      } finally {
        span.end();
      }
    });
}

function describe(span: Span, options: CallTraceOptions, call: CallTry, template: string): void {
  const url = new URL(options.origin);
  span.setAttributes({
    "http.request.method": call.method,
    "url.template": template,
    "server.address": url.hostname,
    "server.port": Number(url.port) || (url.protocol === "https:" ? 443 : 80),
    "oms.route": call.route,
    "oms.breaker.state": call.breaker,
  });
  if (call.attempt > 0) span.setAttribute("http.request.resend_count", call.attempt);
}

// Private: an answer the gateway maps to a result (400, 404, 406: the caller's ValidationError or
// CommandRejected) is not a failed call; statuses it cannot serve with are.
function answered(span: Span, status: number): void {
  span.setAttribute("http.response.status_code", status);
  if (status >= 500 || status === 401 || status === 403 || status === 429) {
    span.setAttribute("error.type", String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

function failureKind(error: unknown): string {
  if (!(error instanceof OmsError)) return "internal";
  if (error.details.circuitOpen) return "circuit_open";
  if (error.details.deadlineExceeded) return "deadline_exceeded";
  return error.details.maybeApplied ? "no_answer_after_send" : "not_sent";
}

function logTry(
  options: CallTraceOptions,
  call: CallTry,
  started: number,
  status: number | null,
  failure: string | null,
): void {
  const { log } = options;
  if (log === undefined || !log.isLevelEnabled("debug")) return;
  const spanContext = trace.getActiveSpan()?.spanContext();
  log.debug(
    {
      requestId: call.requestId ?? null,
      ...(spanContext && trace.isSpanContextValid(spanContext) ? { trace_id: spanContext.traceId } : {}),
      route: call.route,
      method: call.method,
      // Ids are kept here (a package id is no secret); the query is not (order numbers, filters).
      path: call.path.split("?")[0],
      status,
      ...(failure === null ? {} : { failure }),
      attempt: call.attempt,
      breaker: call.breaker,
      ms: Math.round(performance.now() - started),
    },
    "oms call",
  );
}
