/**
 * /metrics: Prometheus text for operators. Scrapes reveal traffic and error rates, so METRICS_TOKEN
 * can require a bearer token (compared in constant time, like API keys), and METRICS_PORT can move
 * the endpoint off the public port altogether.
 */
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import type { Logger } from "../logger.js";
import type { Metrics } from "../metrics.js";
import { createCallerCheck } from "./caller.js";
import { parseTarget, sendJson } from "./io.js";

export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** With no token every scrape is answered; otherwise only `Authorization: Bearer <token>`. */
export function createMetricsHandler(metrics: Metrics, token: string | null): MetricsHandler {
  const check = token === null ? () => true : createCallerCheck([token]);
  return async (req, res) => {
    if (!check(req.headers.authorization)) {
      res.setHeader("www-authenticate", 'Bearer realm="metrics"');
      return sendJson(res, 401, { error: "/metrics needs Authorization: Bearer <METRICS_TOKEN>." });
    }
    const text = await metrics.registry.metrics();
    res.writeHead(200, { "content-type": metrics.registry.contentType });
    res.end(text);
  };
}

/** A server (not listening yet) that answers /metrics and nothing else, for METRICS_PORT. */
export function createMetricsServer(
  handler: MetricsHandler,
  options: http.ServerOptions,
  log: Logger,
): http.Server {
  return http.createServer(options, (req, res) => {
    if (parseTarget(req.url).pathname !== "/metrics") {
      sendJson(res, 404, { error: "Not found. This port serves /metrics only." });
      return;
    }
    handler(req, res).catch((error: unknown) => {
      log.error({ err: error }, "metrics scrape failed");
      if (!res.headersSent) sendJson(res, 500, { error: "The metrics could not be collected." });
      else res.destroy();
    });
  });
}
