/**
 * The gateway's HTTP surface: a lean node:http handler in front of Apollo Server (no framework on the
 * hot path), the health endpoints, and graceful draining. `createServer` builds everything but does
 * not listen; `main.ts` does.
 */
import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { HeaderMap } from "@apollo/server";
import type { Config } from "./config.js";
import { type AppServices, GatewayContext } from "./context.js";
import { createApollo } from "./graphql/apollo.js";
import { createCallerCheck } from "./http/caller.js";
import { applyCors } from "./http/cors.js";
import { readBody, sendJson } from "./http/io.js";
import { createLogger, type Logger } from "./logger.js";
import { OmsHttp } from "./oms/http.js";
import { OmsClient } from "./oms/oms-client.js";
import { createReadiness } from "./readiness.js";

export interface ServerDeps {
  log?: Logger;
}

export interface GatewayServer {
  /** Not listening yet. */
  readonly httpServer: http.Server;
  readonly log: Logger;
  readonly omsHttp: OmsHttp;
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
  const app: AppServices = {
    oms: new OmsClient(omsHttp, {
      statusMap: config.oms.statusMap,
      cargoCompaniesPath: config.oms.cargoCompaniesPath,
    }),
    transitions: config.oms.transitions,
    log,
  };
  const apollo = createApollo({ production: config.production, log });
  await apollo.start();
  const readiness = createReadiness(omsHttp);
  const callerCheck = createCallerCheck(config.apiKeys);
  let draining = false;

  async function graphql(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    url: URL,
  ): Promise<void> {
    if (!applyCors(req, res, config.corsOrigins)) return;
    if (req.method !== "GET" && req.method !== "POST") {
      res.setHeader("allow", "GET, POST, OPTIONS");
      return sendJson(res, 405, graphqlError("Use GET or POST.", "METHOD_NOT_ALLOWED"));
    }
    const wantsLandingPage =
      req.method === "GET" && !url.search && (req.headers.accept ?? "").includes("text/html");
    if (!wantsLandingPage && !callerCheck(req.headers.authorization)) {
      res.setHeader("www-authenticate", 'Bearer realm="oms-graph"');
      return sendJson(
        res,
        401,
        graphqlError("A valid API key is required: Authorization: Bearer <key>.", "UNAUTHENTICATED"),
      );
    }
    const body = await readBody(req, config.maxBodyBytes);
    if (body.kind === "tooLarge") {
      return sendJson(
        res,
        413,
        graphqlError(`The request body exceeds ${config.maxBodyBytes} bytes.`, "PAYLOAD_TOO_LARGE"),
      );
    }
    let parsed: unknown;
    if (req.method === "POST" && isJson(req.headers["content-type"])) {
      try {
        parsed = JSON.parse(body.text);
      } catch {
        return sendJson(res, 400, graphqlError("The request body is not valid JSON.", "BAD_REQUEST"));
      }
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const context = new GatewayContext(app, requestId);
    res.locals = context;
    const result = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method, headers, search: url.search, body: parsed },
      context: async () => context,
    });
    for (const [key, value] of result.headers) res.setHeader(key, value);
    res.statusCode = result.status ?? 200;
    if (result.body.kind === "complete") {
      res.end(result.body.string);
      return;
    }
    for await (const chunk of result.body.asyncIterator) res.write(chunk);
    res.end();
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now();
    const header = req.headers["x-request-id"];
    const requestId = typeof header === "string" && REQUEST_ID.test(header) ? header : randomUUID();
    res.setHeader("x-request-id", requestId);
    const url = new URL(req.url ?? "/", "http://gateway");
    res.on("finish", () => logRequest(log, req, res, url.pathname, requestId, started));
    try {
      switch (url.pathname) {
        case "/graphql":
          return await graphql(req, res, requestId, url);
        case "/health/live":
          return sendJson(res, 200, { status: "live" });
        case "/health/ready": {
          const ready = !draining && (await readiness());
          return sendJson(res, ready ? 200 : 503, {
            status: draining ? "draining" : ready ? "ready" : "oms_unreachable",
          });
        }
        default:
          return sendJson(res, 404, { error: "Not found. The API is at /graphql." });
      }
    } catch (error) {
      log.error({ requestId, err: error }, "request failed");
      if (!res.headersSent)
        sendJson(res, 500, graphqlError("Internal server error", "INTERNAL_SERVER_ERROR"));
      else res.destroy();
    }
  }

  const httpServer = http.createServer(
    { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 },
    (req, res) => {
      void handle(req, res);
    },
  );

  return {
    httpServer,
    log,
    omsHttp,
    async stop(graceMs = 10_000) {
      draining = true;
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const timer = setTimeout(() => httpServer.closeAllConnections(), graceMs);
      await closed;
      clearTimeout(timer);
      await apollo.stop();
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

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.endsWith("+json") ?? false);
}

function graphqlError(message: string, code: string): object {
  return { errors: [{ message, extensions: { code } }] };
}

function logRequest(
  log: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  requestId: string,
  started: number,
): void {
  const stats = res.locals?.stats;
  const entry = {
    requestId,
    method: req.method,
    path,
    status: res.statusCode,
    operation: stats?.operation ?? null,
    outcome: stats?.outcome ?? null,
    oms: stats?.omsCalls ?? [],
    ms: Math.round(performance.now() - started),
  };
  if (path.startsWith("/health/")) log.debug(entry, "request");
  else log.info(entry, "request");
}
