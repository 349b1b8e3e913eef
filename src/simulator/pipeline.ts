import type { IncomingMessage, ServerResponse } from "node:http";
import type { FaultBook } from "./faults.js";
import { errorReply, type Reply, readBody, send } from "./http-io.js";
import type { InFlight } from "./in-flight.js";
import { labelReply } from "./labels.js";
import type { RequestRecorder } from "./recorder.js";
import { type ApiConfig, COMMAND_PATH, routeApi } from "./routes.js";
import type { Delays } from "./timers.js";
import type { AccessLogEntry, Fault } from "./types.js";

const MAX_BODY_BYTES = 1024 * 1024;

export interface PipelineContext {
  api: ApiConfig;
  faults: FaultBook;
  inFlight: InFlight;
  delays: Delays;
  /** Undefined when recording is off, so nothing is allocated for it. */
  recorder: RequestRecorder | undefined;
  latencyMs: number;
  onAnswer: ((entry: AccessLogEntry) => void) | undefined;
  /** host:port of the simulator, for page links when a client sends no Host header. */
  ownHost: string;
  isClosed: () => boolean;
}

function faultReply(fault: Extract<Fault, { kind: "status" }>): Reply {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(fault.headers ?? {})) headers[name.toLowerCase()] = value;
  if (fault.body !== undefined) headers["content-type"] ??= "application/json";
  return { status: fault.status, body: fault.body ?? "", headers };
}

// Private: reports one request's answer to the access log; measures nothing when no one listens.
function accessLog(
  ctx: PipelineContext,
  req: IncomingMessage,
  method: string,
  url: string,
): (status: number, answered?: boolean) => void {
  const { onAnswer } = ctx;
  if (onAnswer === undefined) return () => {};
  const started = performance.now();
  const requestId = req.headers["x-request-id"];
  return (status, answered = true) =>
    onAnswer({
      method,
      url,
      status,
      answered,
      ms: Math.round(performance.now() - started),
      requestId: typeof requestId === "string" ? requestId : undefined,
    });
}

/**
 * One /api request: read it, record it, apply an injected fault, route it, wait out the latency, then commit
 * an accepted command and answer (or, for the after-apply faults, lose the answer).
 */
async function handleApi(ctx: PipelineContext, req: IncomingMessage, res: ServerResponse, url: string) {
  const method = req.method ?? "GET";
  const queryAt = url.indexOf("?");
  const pathname = queryAt < 0 ? url : url.slice(0, queryAt);
  const search = queryAt < 0 ? "" : url.slice(queryAt);
  const answered = accessLog(ctx, req, method, url);
  ctx.inFlight.track(res, method === "POST" && COMMAND_PATH.test(pathname));

  const rawBody = await readBody(req, MAX_BODY_BYTES);
  if (ctx.isClosed()) return;
  ctx.recorder?.record(req, pathname, search, rawBody ?? "");
  if (rawBody === undefined) return send(res, errorReply(413, "Request body is larger than 1 MiB."));

  let delay = ctx.latencyMs;
  let lose: "reset" | "hang" | undefined;
  const fault = ctx.faults.empty ? undefined : ctx.faults.take(method, pathname);
  switch (fault?.kind) {
    case "status":
      answered(fault.status);
      return send(res, faultReply(fault));
    case "hang":
      return;
    case "reset":
      req.socket.destroy();
      return;
    case "resetAfterApply":
      lose = "reset";
      break;
    case "hangAfterApply":
      lose = "hang";
      break;
    case "latency":
      delay += fault.ms;
      break;
  }

  const host = req.headers.host ?? ctx.ownHost;
  const outcome = routeApi(ctx.api, {
    method,
    pathname,
    search,
    authorization: req.headers.authorization,
    host,
    rawBody,
  });
  if (delay > 0) await ctx.delays.sleep(delay);
  if (ctx.isClosed()) return;
  outcome.commit?.();
  answered(outcome.reply.status, lose === undefined);
  if (lose === "reset") req.socket.destroy();
  else if (lose === undefined) send(res, outcome.reply);
}

export function createRequestListener(ctx: PipelineContext) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    const url = req.url ?? "/";
    if (!url.startsWith("/api/")) {
      const queryAt = url.indexOf("?");
      send(res, labelReply(ctx.api.store, req.method ?? "GET", queryAt < 0 ? url : url.slice(0, queryAt)));
      return;
    }
    handleApi(ctx, req, res, url).catch(() => {
      // The client went away mid-body, or a bug: either way this request gets no more than a plain 500.
      if (!res.headersSent && !res.destroyed) send(res, errorReply(500, "A server error occurred."));
    });
  };
}
