import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/**
 * One JSON line per request for operators, and the request histogram for /metrics. Health checks
 * and scrapes log at debug, so a load balancer's polling does not drown the rest. The line goes
 * through the logger like any other, so its redaction paths apply to it too.
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
  const line = {
    requestId,
    method: req.method,
    path,
    status: res.statusCode,
    operation: stats?.operation ?? null,
    outcome: stats?.outcome ?? null,
    oms: stats?.omsCalls ?? [],
    ms: Math.round(ms),
  };
  if (path.startsWith("/health/") || path === "/metrics") log.debug(line, "request");
  else log.info(line, "request");
}
