/**
 * Serves one GraphQL request from a plain node:http handler: reads and parses the body within its
 * limit, applies Idempotency-Key to mutations, and writes the answer. What is GraphQL's (which
 * document, whether it is a mutation, Apollo's pipeline) is asked of graphql/. Callers are checked
 * before this runs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApolloServer } from "@apollo/server";
import { type AppServices, GatewayContext } from "../graphql/context.js";
import type { DocumentGuard } from "../graphql/document-guard.js";
import {
  checkDocument,
  executeHttp,
  type GraphQLHttpAnswer,
  type GraphQLHttpRequest,
  type MutationIdentity,
  mutationIdentity,
  withWarning,
} from "../graphql/http-request.js";
import {
  type IdempotencyOptions,
  IdempotencyStoreError,
  type IdempotentOutcome,
  runIdempotent,
} from "../idempotency/idempotency.js";
import { type RequestTarget, readBody, sendError, sendErrors } from "./io.js";

export interface GraphQLHandlerOptions {
  maxBodyBytes: number;
  /** The limits checked before Apollo, and the refusals remembered, of this handler's schema. */
  documents: DocumentGuard;
  idempotency: IdempotencyOptions;
}

export type GraphQLHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  url: RequestTarget,
  /** The verified caller: the scope of its idempotency keys. */
  caller: string,
) => Promise<void>;

declare module "node:http" {
  interface ServerResponse {
    /** The request's GraphQL context, when it reached Apollo: read by the request log line. */
    locals?: GatewayContext;
  }
}

export function createGraphQLHandler(
  api: ApolloServer<GatewayContext>,
  app: AppServices,
  options: GraphQLHandlerOptions,
): GraphQLHandler {
  return async (req, res, requestId, url, caller) => {
    const context = new GatewayContext(app, requestId);
    context.stats.calledBy(caller);
    res.locals = context;
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === "tooLarge") {
      const message = `The request body exceeds ${options.maxBodyBytes} bytes.`;
      return sendError(res, 413, message, "PAYLOAD_TOO_LARGE");
    }
    let parsed: unknown;
    if (req.method === "POST" && isJson(req.headers["content-type"])) {
      try {
        parsed = JSON.parse(body.text);
      } catch {
        return sendError(res, 400, "The request body is not valid JSON.", "BAD_REQUEST");
      }
    }
    const request = { method: req.method ?? "POST", headers: req.headers, search: url.search, body: parsed };
    const verdict = checkDocument(options.documents, request);
    if (verdict !== null && "refusal" in verdict) {
      return sendErrors(res, verdict.refusal.status, verdict.refusal.body);
    }
    const key = req.headers["idempotency-key"];
    const identity = key === undefined ? null : mutationIdentity(verdict, request);
    if (identity === null) return write(res, await executeHttp(api, request, context));
    const keyed = { ...options.idempotency, caller, key: String(key) };
    return idempotent(api, request, identity, context, res, keyed);
  };
}

// Private: a mutation sent with an Idempotency-Key runs at most once per caller and key.
async function idempotent(
  api: ApolloServer<GatewayContext>,
  request: GraphQLHttpRequest,
  identity: MutationIdentity,
  context: GatewayContext,
  res: ServerResponse,
  options: IdempotencyOptions & { caller: string; key: string },
): Promise<void> {
  let outcome: IdempotentOutcome;
  try {
    outcome = await runIdempotent(options, options.caller, options.key, identity, {
      run: (recoverSince) => {
        context.effects.recoverSince = recoverSince;
        return executeHttp(api, request, context);
      },
      reachedOms: () => context.effects.reachedOms,
    });
  } catch (error) {
    if (!(error instanceof IdempotencyStoreError)) throw error;
    const { log, metrics } = context.app;
    metrics.idempotencyStoreErrors.inc({ stage: "before_run" });
    log.error(
      { requestId: context.requestId, err: error.cause },
      "idempotency store failed before the request ran",
    );
    context.stats.failed("IDEMPOTENCY_STORE_UNAVAILABLE");
    const message = "The idempotency store is unavailable; the request was not run. Try again shortly.";
    return sendError(res, 503, message, "IDEMPOTENCY_STORE_UNAVAILABLE");
  }
  count(context, outcome);
  answer(res, outcome, context, identity);
}

// Private: the idempotency store's figures for /metrics. A hit is any request whose key the store
// already had: replayed, refused as a conflict, or run again after an interrupted run.
function count(context: GatewayContext, outcome: IdempotentOutcome): void {
  const { metrics } = context.app;
  if (outcome.kind === "invalidKey") return;
  const hit = outcome.kind !== "fresh" || context.effects.recoverSince !== null;
  metrics.idempotencyLookups.inc({ result: hit ? "hit" : "miss" });
  if (outcome.kind === "replayed") metrics.idempotencyReplays.inc();
  if (outcome.kind === "reused") metrics.idempotencyConflicts.inc({ reason: "reused" });
  if (outcome.kind === "inProgress") metrics.idempotencyConflicts.inc({ reason: "in_progress" });
  if (outcome.kind === "fresh" && outcome.storeError !== undefined) {
    metrics.idempotencyStoreErrors.inc({ stage: "after_run" });
  }
}

// Private: what each idempotency outcome answers.
function answer(
  res: ServerResponse,
  outcome: IdempotentOutcome,
  context: GatewayContext,
  identity: MutationIdentity,
) {
  switch (outcome.kind) {
    case "fresh":
      if (context.effects.recoverSince !== null) res.setHeader("idempotent-recovered", "true");
      if (outcome.storeError === undefined) return write(res, outcome.response);
      // The OMS may have acted: the caller gets the real answer, and is told not to count on a replay.
      context.app.log.error(
        { requestId: context.requestId, err: outcome.storeError },
        "idempotency store failed after the request ran; its answer was not kept",
      );
      return write(res, withWarning(outcome.response, NOT_STORED_WARNING, { "idempotency-stored": "false" }));
    case "replayed":
      context.stats.replayed(identity.operation);
      res.setHeader("idempotent-replayed", "true");
      return write(res, outcome.response);
    case "invalidKey":
      return sendError(res, 400, INVALID_KEY, "BAD_REQUEST");
    case "reused":
      context.stats.failed("IDEMPOTENCY_KEY_REUSED");
      return sendError(res, 422, KEY_REUSED, "IDEMPOTENCY_KEY_REUSED");
    case "inProgress":
      context.stats.failed("IDEMPOTENCY_KEY_IN_PROGRESS");
      return sendError(res, 409, KEY_IN_PROGRESS, "IDEMPOTENCY_KEY_IN_PROGRESS");
  }
}

const INVALID_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters.";
const KEY_REUSED =
  "This Idempotency-Key was already used for a different request; use a new key for a new request.";
const KEY_IN_PROGRESS =
  "A request with this Idempotency-Key is still running; ask again later for its result.";

const NOT_STORED_WARNING = {
  code: "IDEMPOTENCY_NOT_STORED",
  message:
    "This answer is the request's real outcome, but the idempotency store failed to keep it: " +
    "a retry with the same key would not replay it. Do not retry a request that was answered.",
};

function write(res: ServerResponse, response: GraphQLHttpAnswer): void {
  res.writeHead(response.status, {
    ...response.headers,
    "content-type": response.contentType,
    "content-length": Buffer.byteLength(response.body),
  });
  res.end(response.body);
}

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.endsWith("+json") ?? false);
}
