import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";

/** The endpoints that answer GraphQL (traced, counted by operation, refused while draining). */
export const GRAPHQL_PATHS: ReadonlySet<string> = new Set(["/graphql", "/subgraph"]);

/** What the router knows of a request when its answer is written. */
export interface RequestLine {
  path: string;
  requestId: string;
  /** performance.now() when the request arrived. */
  started: number;
  /** The request's trace, when it is traced. */
  traceId: string | undefined;
}

/**
 * One JSON line per request for operators, and the request histogram for /metrics. A request that
 * failed or was refused is logged at warn with its code, its caller and the packages it named; health
 * checks and scrapes at debug, so a load balancer's polling does not drown the rest. The line goes
 * through the logger like any other, so its redaction paths apply to it too.
 */
export function logRequest(
  log: Logger,
  metrics: Metrics,
  req: IncomingMessage,
  res: ServerResponse,
  { path, requestId, started, traceId }: RequestLine,
): void {
  const ms = performance.now() - started;
  const stats = res.locals?.stats;
  if (GRAPHQL_PATHS.has(path)) {
    metrics.observeHttpRequest(path, stats?.operationType ?? "none", res.statusCode, ms / 1000);
    // Errors GraphQL answered are counted as Apollo gives them; these were answered before it ran.
    if (res.refusedWith !== undefined) metrics.recordGraphQLError(res.refusedWith);
  }
  const code = res.refusedWith ?? stats?.code ?? (res.statusCode >= 400 ? `HTTP_${res.statusCode}` : null);
  const line = {
    requestId,
    ...(traceId === undefined ? {} : { trace_id: traceId }),
    method: req.method,
    path,
    status: res.statusCode,
    operation: stats?.operation ?? null,
    outcome: stats?.outcome ?? null,
    ...(code === null ? {} : { code, caller: stats?.caller ?? null, packageIds: stats?.packageIds ?? [] }),
    oms: stats?.omsCalls ?? [],
    ms: Math.round(ms),
  };
  if (path.startsWith("/health/") || path === "/metrics") log.debug(line, "request");
  else if (code !== null) log.warn(line, "request");
  else log.info(line, "request");
}
