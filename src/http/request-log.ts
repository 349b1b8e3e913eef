import type { IncomingMessage, ServerResponse } from "node:http";
import type { OmsCall } from "../domain/ports.js";
import { type Logger, writeRawLine } from "../logger.js";
import type { Metrics } from "../metrics.js";

/**
 * One JSON line per request for operators, and the request histogram for /metrics. Health checks
 * and scrapes log at debug, so a load balancer's polling does not drown the rest.
 *
 * The line is serialised here rather than by pino's generic object path: it is written for every
 * request. Every field is either ours (numbers, the validated request id, enum-like strings) or
 * escaped by JSON.stringify; none can hold a credential.
 */
export function logRequest(
  log: Logger,
  metrics: Metrics,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  requestId: string,
  started: number,
): void {
  const ms = performance.now() - started;
  const stats = res.locals?.stats;
  if (path === "/graphql" || path === "/subgraph") {
    metrics.observeHttpRequest(path, stats?.operationType ?? "none", res.statusCode, ms / 1000);
  }
  const body =
    `"requestId":${JSON.stringify(requestId)},"method":${JSON.stringify(req.method)},` +
    `"path":${JSON.stringify(path)},"status":${res.statusCode},` +
    `"operation":${nullableString(stats?.operation)},"outcome":${nullableString(stats?.outcome)},` +
    `"oms":${omsCalls(stats?.omsCalls)},"ms":${Math.round(ms)}`;
  writeRawLine(log, path.startsWith("/health/") || path === "/metrics" ? "debug" : "info", body, "request");
}

function nullableString(value: string | null | undefined): string {
  return value === null || value === undefined ? "null" : JSON.stringify(value);
}

function omsCalls(calls: readonly OmsCall[] | undefined): string {
  if (calls === undefined || calls.length === 0) return "[]";
  let text = "[";
  for (let i = 0; i < calls.length; i++) {
    const call = calls[i] as OmsCall;
    text +=
      `${i === 0 ? "" : ","}{"route":${JSON.stringify(call.route)},"method":${JSON.stringify(call.method)},` +
      `"status":${call.status === null ? "null" : call.status},"ms":${call.ms}}`;
  }
  return `${text}]`;
}
