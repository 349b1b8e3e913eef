/**
 * The gateway's HTTP surface: a lean node:http handler in front of Apollo Server (no framework on the
 * hot path), the health endpoints, and graceful draining. `createServer` builds everything but does
 * not listen; `main.ts` does.
 */
import { randomUUID } from "node:crypto";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { type ApolloServer, HeaderMap } from "@apollo/server";
import type { Config } from "./config.js";
import { type AppServices, GatewayContext } from "./context.js";
import { CargoCompanyCatalogue } from "./domain/cargo-company-catalogue.js";
import { createApollo } from "./graphql/apollo.js";
import { publicSchema } from "./graphql/schema.js";
import { subgraphSchema } from "./graphql/subgraph.js";
import { createCallerCheck, createSecretCheck } from "./http/caller.js";
import { applyCors } from "./http/cors.js";
import { readBody, sendJson } from "./http/io.js";
import { createLogger, type Logger } from "./logger.js";
import { readCargoCompanyFile } from "./oms/cargo-company-file.js";
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
  const oms = new OmsClient(omsHttp, {
    statusMap: config.oms.statusMap,
    cargoCompaniesPath: config.oms.cargoCompaniesPath,
  });
  const catalogueFile = config.cargoCompanies.file;
  const fileCompanies = catalogueFile === null ? null : readCargoCompanyFile(catalogueFile);
  const app: AppServices = {
    oms,
    transitions: config.oms.transitions,
    catalogue: new CargoCompanyCatalogue(
      fileCompanies === null ? (options) => oms.listCargoCompanies(options) : async () => fileCompanies,
      {
        ttlMs: config.cargoCompanies.ttlMs,
        maxStaleMs: config.cargoCompanies.maxStaleMs,
        onStaleServed: (err, ageMs) =>
          log.warn({ err, ageMs }, "cargo company refresh failed; serving the last good list"),
      },
    ),
    log,
  };
  const publicApi = createApollo({
    schema: publicSchema(),
    production: config.production,
    landingPage: true,
    log,
  });
  const subgraphApi = config.subgraph.enabled
    ? createApollo({
        schema: subgraphSchema(config.subgraph.maxEntityRepresentations),
        production: config.production,
        landingPage: false,
        log,
      })
    : null;
  await publicApi.start();
  await subgraphApi?.start();
  const readiness = createReadiness(omsHttp);
  const callerCheck = createCallerCheck(config.apiKeys);
  const routerCheck = createSecretCheck(config.routerSecret);
  let draining = false;

  async function graphql(
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    url: URL,
  ): Promise<void> {
    if (!applyCors(req, res, config.corsOrigins)) return;
    if (!allowedMethod(req, res)) return;
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
    return execute(publicApi, req, res, requestId, url);
  }

  async function subgraph(
    api: ApolloServer<GatewayContext>,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    url: URL,
  ): Promise<void> {
    // A router is not a browser: no CORS headers here, so no page can call the subgraph directly.
    if (!allowedMethod(req, res)) return;
    if (!routerCheck(req.headers["router-authorization"])) {
      return sendJson(
        res,
        401,
        graphqlError("The subgraph needs the router's Router-Authorization header.", "UNAUTHENTICATED"),
      );
    }
    return execute(api, req, res, requestId, url);
  }

  async function execute(
    api: ApolloServer<GatewayContext>,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    url: URL,
  ): Promise<void> {
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
    const result = await api.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? "POST", headers, search: url.search, body: parsed },
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
        case "/subgraph":
          if (subgraphApi === null) break;
          return await subgraph(subgraphApi, req, res, requestId, url);
        case "/health/live":
          return sendJson(res, 200, { status: "live" });
        case "/health/ready": {
          const ready = !draining && (await readiness());
          return sendJson(res, ready ? 200 : 503, {
            status: draining ? "draining" : ready ? "ready" : "oms_unreachable",
          });
        }
      }
      return sendJson(res, 404, { error: "Not found. The API is at /graphql." });
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
      await publicApi.stop();
      await subgraphApi?.stop();
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

function allowedMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === "GET" || req.method === "POST") return true;
  res.setHeader("allow", "GET, POST");
  sendJson(res, 405, graphqlError("Use GET or POST.", "METHOD_NOT_ALLOWED"));
  return false;
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
