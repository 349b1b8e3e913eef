/**
 * The gateway's HTTP surface: a lean node:http handler in front of Apollo Server (no framework on the
 * hot path) for /graphql and /subgraph, the health and metrics endpoints, and graceful draining.
 * `createServer` builds everything but does not listen; `main.ts` does.
 */
import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Config } from "./config.js";
import type { AppServices, GatewayContext } from "./context.js";
import { createApollo } from "./graphql/apollo.js";
import { DocumentGuard } from "./graphql/document-guard.js";
import type { JitOptions } from "./graphql/jit-executor.js";
import { publicSchema } from "./graphql/schema.js";
import { subgraphSchema } from "./graphql/subgraph.js";
import { createCallerAuth, createSecretCheck } from "./http/caller.js";
import { applyCors } from "./http/cors.js";
import { createGraphQLHandler, type GraphQLHandler } from "./http/graphql-handler.js";
import { graphqlError, parseTarget, type RequestTarget, sendJson } from "./http/io.js";
import { createMetricsHandler, createMetricsServer } from "./http/metrics-endpoint.js";
import { logRequest } from "./http/request-log.js";
import { createLogger, type Logger } from "./logger.js";
import { OmsHttp } from "./oms/http.js";
import { ResilientOms } from "./oms/resilience.js";
import { createReadiness } from "./readiness.js";
import { createIdempotencyStore, createServices } from "./services.js";

export interface ServerDeps {
  log?: Logger;
  /** When graphql-jit compiles an operation; tests compile at once. */
  jit?: JitOptions;
}

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
  if (config.oms.baseUrl === null)
    throw new Error("createServer needs an OMS base URL (start the simulator first).");
  const log = deps.log ?? createLogger(config.logLevel);
  const omsHttp = new OmsHttp({
    baseUrl: config.oms.baseUrl,
    authorization: `${config.oms.authScheme} ${config.oms.token}`,
    timeoutMs: config.oms.timeoutMs,
    maxConnections: config.oms.maxConnections,
  });
  const oms = new ResilientOms(omsHttp, {
    breakerThreshold: config.oms.breakerThreshold,
    halfOpenAfterMs: config.oms.breakerHalfOpenMs,
    readAttempts: config.oms.readAttempts,
    onStateChange: (state) =>
      state === "open"
        ? log.warn({ breaker: state }, "OMS circuit breaker opened: failing fast until a probe succeeds")
        : log.info({ breaker: state }, "OMS circuit breaker state changed"),
  });
  const app = createServices(config, oms, log);
  app.metrics.watchBreaker(oms);
  const idempotencyStore = await createIdempotencyStore(config.idempotency.redisUrl, log);
  const handlerOptions = {
    maxBodyBytes: config.maxBodyBytes,
    // A replay waits about as long as the first request could take.
    idempotency: {
      store: idempotencyStore,
      ttlMs: config.idempotency.ttlMs,
      // ...but answers before a federation router's 30 s timeout would.
      waitMs: Math.min(config.oms.timeoutMs * 2, 25_000),
    },
  };
  const apolloOptions = {
    production: config.production,
    maxMutationFields: config.maxMutationFields,
    limits: config.limits,
    log,
    jit: deps.jit,
  };
  // One per schema: the same text may be valid on /subgraph and not on /graphql.
  const newGuard = () =>
    new DocumentGuard(config.limits, (check, result) => app.metrics.documentChecks.inc({ check, result }));
  const publicDocuments = newGuard();
  const subgraphDocuments = newGuard();
  const publicApi = createApollo({
    ...apolloOptions,
    schema: publicSchema(),
    landingPage: true,
    documents: publicDocuments,
  });
  const subgraphApi = config.subgraph.enabled
    ? createApollo({
        ...apolloOptions,
        schema: subgraphSchema(config.subgraph.maxEntityRepresentations),
        landingPage: false,
        documents: subgraphDocuments,
      })
    : null;
  await publicApi.start();
  await subgraphApi?.start();
  const publicHandler = createGraphQLHandler(publicApi, app, {
    ...handlerOptions,
    documents: publicDocuments,
  });
  const subgraphHandler =
    subgraphApi &&
    createGraphQLHandler(subgraphApi, app, { ...handlerOptions, documents: subgraphDocuments });
  const readiness = createReadiness(omsHttp, oms);
  const callerCheck = createCallerAuth(config.apiKeys, config.jwt);
  const routerCheck = createSecretCheck(config.routerSecret);
  const metricsHandler = createMetricsHandler(app.metrics, config.metrics.token);
  let draining = false;

  async function graphql(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    url: RequestTarget,
  ): Promise<void> {
    if (!applyCors(req, res, config.corsOrigins)) return;
    if (!allowedMethod(req, res)) return;
    // The Sandbox page itself is static and public outside production; what it sends is checked.
    const wantsLandingPage =
      !config.production &&
      req.method === "GET" &&
      !url.search &&
      (req.headers.accept ?? "").includes("text/html");
    if (!wantsLandingPage && !(await callerCheck(req.headers.authorization))) {
      res.setHeader("www-authenticate", 'Bearer realm="oms-graph"');
      const message = "A valid API key or token is required: Authorization: Bearer <key>.";
      return sendJson(res, 401, graphqlError(message, "UNAUTHENTICATED"));
    }
    return publicHandler(req, res, requestId, url);
  }

  async function subgraph(
    handler: GraphQLHandler,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    url: RequestTarget,
  ): Promise<void> {
    // A router is not a browser: no CORS headers here, so no page can call the subgraph directly.
    if (!allowedMethod(req, res)) return;
    if (!routerCheck(req.headers["router-authorization"])) {
      const message = "The subgraph needs the router's Router-Authorization header.";
      return sendJson(res, 401, graphqlError(message, "UNAUTHENTICATED"));
    }
    return handler(req, res, requestId, url);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader("x-request-id", requestId);
    const url = parseTarget(req.url);
    res.on("finish", () => logRequest(log, app.metrics, req, res, url.pathname, requestId, started));
    try {
      switch (url.pathname) {
        case "/graphql":
          return await graphql(req, res, requestId, url);
        case "/subgraph":
          if (subgraphHandler === null) break;
          return await subgraph(subgraphHandler, req, res, requestId, url);
        case "/health/live":
          return sendJson(res, 200, { status: "live" });
        case "/health/ready": {
          const ready = !draining && idempotencyStore.healthy && (await readiness());
          const status = draining
            ? "draining"
            : !idempotencyStore.healthy
              ? "idempotency_store_unreachable"
              : ready
                ? "ready"
                : "oms_unreachable";
          return sendJson(res, ready ? 200 : 503, { status });
        }
        case "/metrics":
          if (config.metrics.port !== null) break;
          return await metricsHandler(req, res);
      }
      return sendJson(res, 404, { error: "Not found. The API is at /graphql." });
    } catch (error) {
      log.error({ requestId, err: error }, "request failed");
      if (!res.headersSent)
        sendJson(res, 500, graphqlError("Internal server error", "INTERNAL_SERVER_ERROR"));
      else res.destroy();
    }
  }

  const serverOptions = incomingOptions(config.http);
  const httpServer = http.createServer(serverOptions, (req, res) => {
    void handle(req, res);
  });
  httpServer.maxConnections = config.http.maxConnections;
  const metricsServer =
    config.metrics.port === null ? null : createMetricsServer(metricsHandler, serverOptions, log);

  return {
    httpServer,
    metricsServer,
    log,
    omsHttp,
    app,
    async stop(graceMs = 10_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const timer = setTimeout(() => httpServer.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await publicApi.stop();
      await subgraphApi?.stop();
      await idempotencyStore.close();
      await omsHttp.close();
    },
  };
}

declare module "node:http" {
  interface ServerResponse {
    /** The request's GraphQL context, when it reached Apollo: read by the request log line. */
    locals?: GatewayContext;
  }
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

function allowedMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === "GET" || req.method === "POST") return true;
  res.setHeader("allow", "GET, POST");
  sendJson(res, 405, graphqlError("Use GET or POST.", "METHOD_NOT_ALLOWED"));
  return false;
}
