import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/**
 * One JSON line per request for operators, and the request histogram for /metrics. Health checks
 * and scrapes log at debug, so a load balancer's polling does not drown the rest.
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
    metrics.httpRequests.observe(
      { endpoint: path, operation: stats?.operationType ?? "none", status: String(res.statusCode) },
      ms / 1000,
    );
  }
  const entry = {
    requestId,
    method: req.method,
    path,
    status: res.statusCode,
    operation: stats?.operation ?? null,
    outcome: stats?.outcome ?? null,
    oms: stats?.omsCalls ?? [],
    ms: Math.round(ms),
  };
  if (path.startsWith("/health/") || path === "/metrics") log.debug(entry, "request");
  else log.info(entry, "request");
}
