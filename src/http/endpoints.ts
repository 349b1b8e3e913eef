/**
 * The gateway's endpoints before GraphQL runs: who may call /graphql and /subgraph, from which
 * origins and with which methods, and the health answers for a load balancer.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readiness } from "../readiness.js";
import { applyCors } from "./cors.js";
import type { GraphQLHandler } from "./graphql-handler.js";
import { type RequestTarget, sendError, sendJson } from "./io.js";

/** One endpoint of the router. */
export type Endpoint = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  url: RequestTarget,
) => Promise<void>;

export interface PublicEndpointOptions {
  corsOrigins: readonly string[];
  production: boolean;
  /** The verified caller of an Authorization header, or null when it is refused. */
  callerCheck: (authorization: string | undefined) => string | null | Promise<string | null>;
}

/** /graphql: browsers within CORS, callers with an API key or token. */
export function publicEndpoint(handler: GraphQLHandler, options: PublicEndpointOptions): Endpoint {
  return async (req, res, requestId, url) => {
    if (!applyCors(req, res, options.corsOrigins)) return;
    if (!allowedMethod(req, res)) return;
    // The Sandbox page itself is static and public outside production; what it sends is checked.
    const wantsLandingPage =
      !options.production &&
      req.method === "GET" &&
      !url.search &&
      (req.headers.accept ?? "").includes("text/html");
    const caller = wantsLandingPage ? "anonymous" : await options.callerCheck(req.headers.authorization);
    if (caller === null) {
      res.setHeader("www-authenticate", 'Bearer realm="oms-graph"');
      const message = "A valid API key or token is required: Authorization: Bearer <key>.";
      return sendError(res, 401, message, "UNAUTHENTICATED");
    }
    return handler(req, res, requestId, url, caller);
  };
}

/** /subgraph: a federation router only, proven by its Router-Authorization secret. */
export function subgraphEndpoint(
  handler: GraphQLHandler,
  routerCheck: (header: string | string[] | undefined) => boolean,
): Endpoint {
  return async (req, res, requestId, url) => {
    // A router is not a browser: no CORS headers here, so no page can call the subgraph directly.
    if (!allowedMethod(req, res)) return;
    if (!routerCheck(req.headers["router-authorization"])) {
      const message = "The subgraph needs the router's Router-Authorization header.";
      return sendError(res, 401, message, "UNAUTHENTICATED");
    }
    return handler(req, res, requestId, url, routerScope(req.headers.authorization));
  };
}

/**
 * /health/live and /health/ready; not ready while the gateway drains.
 * @param onReadiness told each readiness answer, for the metrics
 */
export function healthEndpoint(
  readiness: () => Promise<Readiness>,
  draining: () => boolean,
  onReadiness: (ready: boolean) => void = () => {},
): Endpoint {
  return async (_req, res, _requestId, url) => {
    if (url.pathname === "/health/live") return sendJson(res, 200, { status: "live" });
    if (draining()) return sendJson(res, 503, { status: "draining" });
    const { ready, ...body } = await readiness();
    onReadiness(ready);
    return sendJson(res, ready ? 200 : 503, body);
  };
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

function allowedMethod(req: IncomingMessage, res: ServerResponse): boolean {
  if (req.method === "GET" || req.method === "POST") return true;
  res.setHeader("allow", "GET, POST");
  sendError(res, 405, "Use GET or POST.", "METHOD_NOT_ALLOWED");
  return false;
}
