import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * What a page may send: credentials and JSON, Apollo's CSRF and operation-name headers, Apollo
 * Client's name/version headers (`clientAwareness`), W3C trace context from a browser tracer, and
 * our own request id and Idempotency-Key.
 */
const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "apollographql-client-name",
  "apollographql-client-version",
  "traceparent",
  "tracestate",
  "idempotency-key",
  "x-request-id",
].join(", ");

/**
 * Response headers a page may read beyond the CORS-safelisted ones: the request id to quote in a
 * support ticket, what the Idempotency-Key layer did with a mutation, and when to retry a 503.
 */
const EXPOSED_HEADERS = [
  "x-request-id",
  "idempotent-replayed",
  "idempotent-recovered",
  "idempotency-stored",
  "retry-after",
].join(", ");

/**
 * CORS for browser frontends on an explicit allowlist of origins; no wildcard, no credentials
 * (callers authenticate with a header, not cookies). Answers preflights itself.
 * @returns false when the request has been answered (a preflight) and needs nothing more.
 */
export function applyCors(req: IncomingMessage, res: ServerResponse, allowed: readonly string[]): boolean {
  const origin = req.headers.origin;
  res.setHeader("vary", "Origin");
  const permitted = origin !== undefined && allowed.includes(origin);
  if (permitted) {
    res.setHeader("access-control-allow-origin", origin);
    res.setHeader("access-control-expose-headers", EXPOSED_HEADERS);
  }
  if (req.method !== "OPTIONS") return true;
  if (permitted) {
    res.setHeader("access-control-allow-methods", "GET, POST, OPTIONS");
    res.setHeader("access-control-allow-headers", ALLOWED_HEADERS);
    res.setHeader("access-control-max-age", "600");
  }
  res.statusCode = permitted ? 204 : 403;
  res.end();
  return false;
}
