/**
 * The gateway's HTTP surface: a lean node:http router (no framework on the hot path) over the named
 * endpoints the composition root builds (graphql, subgraph, health, metrics), and graceful draining.
 * `createServer` builds everything but does not listen; `main.ts` does.
 */
import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Config } from "./config.js";
import { composeGateway, type GatewayDeps } from "./gateway.js";
import type { AppServices } from "./graphql/context.js";
import { type Endpoint, healthEndpoint } from "./http/endpoints.js";
import { parseTarget, type RequestTarget, sendError, sendJson } from "./http/io.js";
import { createMetricsServer } from "./http/metrics-endpoint.js";
import { GRAPHQL_PATHS, logRequest, type RequestLine } from "./http/request-log.js";
import { inRequestSpan, traceIdOf } from "./http/request-span.js";
import type { Logger } from "./logger.js";
import type { OmsHttp } from "./oms/http.js";

export type ServerDeps = GatewayDeps;

export interface GatewayServer {
  /** Not listening yet. */
  readonly httpServer: http.Server;
  /** /metrics on its own port (METRICS_PORT), not listening yet; null when it is served on the API port. */
  readonly metricsServer: http.Server | null;
  readonly log: Logger;
  readonly omsHttp: OmsHttp;
  readonly app: AppServices;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then releases everything. */
  stop(graceMs?: number): Promise<void>;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export async function createServer(config: Config, deps: ServerDeps = {}): Promise<GatewayServer> {
  const parts = await composeGateway(config, deps);
  const { log, app } = parts;
  let draining = false;
  /** Responses not yet finished: at the drain, those that can still say so are told to close. */
  const inFlight = new Set<ServerResponse>();
  const isDraining = () => draining;
  const health = healthEndpoint(parts.readiness, isDraining, app.metrics.watchReadiness(isDraining));
  const routes = new Map<string, Endpoint | null>([
    ["/graphql", parts.graphql],
    ["/subgraph", parts.subgraph],
    ["/health/live", health],
    ["/health/ready", health],
    ["/metrics", config.metrics.port === null ? parts.metrics : null],
  ]);

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { requestId, url, line } = beginRequest(req, res, log, app, inFlight);
    const run = () => dispatch(routes, draining, log, req, res, requestId, url);
    try {
      if (!GRAPHQL_PATHS.has(url.pathname)) return await run();
      return await inRequestSpan(req, res, url.pathname, requestId, (span) => {
        line.traceId = traceIdOf(span);
        return run();
      });
    } catch (error) {
      log.error({ requestId, err: error }, "request failed");
      if (!res.headersSent) sendError(res, 500, "Internal server error", "INTERNAL_SERVER_ERROR");
      else res.destroy();
    }
  }

  const serverOptions = incomingOptions(config.http);
  const httpServer = http.createServer(serverOptions, (req, res) => {
    void handle(req, res);
  });
  httpServer.maxConnections = config.http.maxConnections;
  const metricsServer =
    config.metrics.port === null ? null : createMetricsServer(parts.metrics, serverOptions, log);

  return {
    httpServer,
    metricsServer,
    log,
    omsHttp: parts.omsHttp,
    app,
    async stop(graceMs = 10_000) {
      draining = true;
      for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
      await drain(httpServer, graceMs);
      await parts.close();
    },
  };
}

// Private: the request's id (the caller's x-request-id when it is safe to log, else a new one), its
// log line written when the answer is, and its place among the responses in flight.
function beginRequest(
  req: IncomingMessage,
  res: ServerResponse,
  log: Logger,
  app: AppServices,
  inFlight: Set<ServerResponse>,
) {
  const started = performance.now();
  const header = req.headers["x-request-id"];
  const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
  res.setHeader("x-request-id", requestId);
  const url = parseTarget(req.url);
  const line: RequestLine = { path: url.pathname, requestId, started, traceId: undefined };
  res.on("finish", () => logRequest(log, app.metrics, req, res, line));
  inFlight.add(res);
  res.on("close", () => inFlight.delete(res));
  return { requestId, url, line };
}

// Private: the request's endpoint, a refusal while draining, or 404.
async function dispatch(
  routes: ReadonlyMap<string, Endpoint | null>,
  draining: boolean,
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  url: RequestTarget,
): Promise<void> {
  if (draining && refuseWhileDraining(res, url.pathname, requestId, log)) return;
  const endpoint = routes.get(url.pathname);
  if (endpoint) return await endpoint(req, res, requestId, url);
  return sendJson(res, 404, { error: "Not found. The API is at /graphql." });
}

/**
 * During the drain every answer closes its connection: the client's next request opens one
 * elsewhere. A GraphQL request that arrived after the drain began, on a connection opened before
 * it, is refused before anything reaches the OMS, so a retry elsewhere is safe.
 * @returns true when the request has been answered
 */
function refuseWhileDraining(res: ServerResponse, path: string, requestId: string, log: Logger): boolean {
  res.setHeader("connection", "close");
  if (!GRAPHQL_PATHS.has(path)) return false;
  res.setHeader("retry-after", "1");
  log.warn({ requestId, path }, "request refused: the gateway is shutting down");
  const message = "The gateway is shutting down; the request was not run. Send it again.";
  sendError(res, 503, message, "SHUTTING_DOWN");
  return true;
}

/** Stops accepting and waits for open connections to finish, closing the rest after `graceMs`. */
async function drain(httpServer: http.Server, graceMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
  // Keep-alive sockets hold the process open: close each as soon as it is idle, checked again
  // and again because an answer sent before the drain left its connection open.
  httpServer.closeIdleConnections();
  const idleSweep = setInterval(() => httpServer.closeIdleConnections(), 100);
  const timer = setTimeout(() => httpServer.closeAllConnections(), graceMs);
  await closed;
  clearInterval(idleSweep);
  clearTimeout(timer);
}

/**
 * node:http checks the header and request deadlines of open connections only every
 * `connectionsCheckingInterval` (30 s by default), so a 10 s deadline fired anywhere up to 40 s.
 * Checked every second (more often for shorter deadlines), they fire close to their values.
 */
function incomingOptions(limits: Config["http"]): http.ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(1_000, Math.ceil(limits.headersTimeoutMs / 10)),
  };
}
