import type { IncomingMessage, ServerResponse } from "node:http";

const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "apollo-require-preflight",
  "x-apollo-operation-name",
  "idempotency-key",
  "x-request-id",
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
    res.setHeader("access-control-expose-headers", "x-request-id");
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
