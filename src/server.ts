/**
 * The gateway's HTTP surface: a lean node:http handler in front of Apollo Server (no framework on the
 * hot path) for /graphql and /subgraph, the health and metrics endpoints, and graceful draining.
 * `createServer` builds everything but does not listen; `main.ts` does.
 */
import { createHash, randomUUID } from "node:crypto";
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
  const idempotencyStore = await createIdempotencyStore(config.idempotency, log);
  app.metrics.watchIdempotencyStore(idempotencyStore);
  const handlerOptions = {
    maxBodyBytes: config.maxBodyBytes,
    idempotency: {
      store: idempotencyStore,
      ttlMs: config.idempotency.ttlMs,
      // Twice the OMS deadline: a live holder renews long before; a dead one is taken over soon.
      leaseMs: config.oms.timeoutMs * 2,
      // A replay waits about as long as the first request could take, but answers before a
      // federation router's 30 s timeout would.
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
  const readiness = createReadiness({ http: omsHttp, oms, idempotencyStore });
  const callerCheck = createCallerAuth(config.apiKeys, config.jwt);
  const routerCheck = createSecretCheck(config.routerSecret);
  const metricsHandler = createMetricsHandler(app.metrics, config.metrics.token);
  let draining = false;
  /** Responses not yet finished: at the drain, those that can still say so are told to close. */
  const inFlight = new Set<ServerResponse>();

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
    const caller = wantsLandingPage ? "anonymous" : await callerCheck(req.headers.authorization);
    if (caller === null) {
      res.setHeader("www-authenticate", 'Bearer realm="oms-graph"');
      const message = "A valid API key or token is required: Authorization: Bearer <key>.";
      return sendJson(res, 401, graphqlError(message, "UNAUTHENTICATED"));
    }
    return publicHandler(req, res, requestId, url, caller);
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
    return handler(req, res, requestId, url, routerScope(req.headers.authorization));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader("x-request-id", requestId);
    const url = parseTarget(req.url);
    res.on("finish", () => logRequest(log, app.metrics, req, res, url.pathname, requestId, started));
    inFlight.add(res);
    res.on("close", () => inFlight.delete(res));
    try {
      if (draining) {
        // The connection goes with this answer; the client's next request opens one elsewhere.
        res.setHeader("connection", "close");
        if (url.pathname === "/graphql" || url.pathname === "/subgraph") {
          // Arrived after the drain began, on a connection opened before it: refused before
          // anything reaches the OMS, so a retry elsewhere is safe.
          res.setHeader("retry-after", "1");
          log.warn({ requestId, path: url.pathname }, "request refused: the gateway is shutting down");
          const message = "The gateway is shutting down; the request was not run. Send it again.";
          return sendJson(res, 503, graphqlError(message, "SHUTTING_DOWN"));
        }
      }
      switch (url.pathname) {
        case "/graphql":
          return await graphql(req, res, requestId, url);
        case "/subgraph":
          if (subgraphHandler === null) break;
          return await subgraph(subgraphHandler, req, res, requestId, url);
        case "/health/live":
          return sendJson(res, 200, { status: "live" });
        case "/health/ready": {
          if (draining) return sendJson(res, 503, { status: "draining" });
          const { ready, ...body } = await readiness();
          return sendJson(res, ready ? 200 : 503, body);
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
      for (const res of inFlight) if (!res.headersSent) res.setHeader("connection", "close");
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // Keep-alive sockets hold the process open: close each as soon as it is idle, checked again
      // and again because an answer sent before the drain left its connection open.
      httpServer.closeIdleConnections();
      const idleSweep = setInterval(() => httpServer.closeIdleConnections(), 100);
      const timer = setTimeout(() => httpServer.closeAllConnections(), graceMs);
      await closed;
      clearInterval(idleSweep);
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
 * The idempotency scope of a request through the router: the router verified its caller, whose
 * credential it forwards; spelled canonically so `bearer x` and `Bearer  x` are one caller.
 */
function routerScope(authorization: string | undefined): string {
  const words = authorization?.trim().split(/\s+/) ?? [];
  if (words.length === 0 || words[0] === "") return "router";
  const [scheme = "", ...rest] = words;
  const digest = createHash("sha256")
    .update(`${scheme.toLowerCase()} ${rest.join(" ")}`)
    .digest("hex");
  return `router:${digest.slice(0, 32)}`;
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
