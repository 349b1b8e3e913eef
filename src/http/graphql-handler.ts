/**
 * Serves one GraphQL request through Apollo Server's request pipeline from a plain node:http
 * handler: reads and parses the body within its limit, applies Idempotency-Key to mutations, and
 * writes Apollo's answer. Callers are checked before this runs.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ApolloServer, HeaderMap } from "@apollo/server";
import { type AppServices, GatewayContext } from "../context.js";
import type { DocumentGuard } from "../graphql/document-guard.js";
import {
  type IdempotencyOptions,
  IdempotencyStoreError,
  type IdempotentOutcome,
  isMutation,
  runIdempotent,
} from "../idempotency/idempotency.js";
import type { StoredResponse } from "../idempotency/store.js";
import { isObject } from "../json.js";
import { graphqlError, type RequestTarget, readBody, sendJson } from "./io.js";

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

export function createGraphQLHandler(
  api: ApolloServer<GatewayContext>,
  app: AppServices,
  options: GraphQLHandlerOptions,
): GraphQLHandler {
  return async (req, res, requestId, url, caller) => {
    const body = await readBody(req, options.maxBodyBytes);
    if (body.kind === "tooLarge") {
      const message = `The request body exceeds ${options.maxBodyBytes} bytes.`;
      return sendJson(res, 413, graphqlError(message, "PAYLOAD_TOO_LARGE"));
    }
    let parsed: unknown;
    if (req.method === "POST" && isJson(req.headers["content-type"])) {
      try {
        parsed = JSON.parse(body.text);
      } catch {
        return sendJson(res, 400, graphqlError("The request body is not valid JSON.", "BAD_REQUEST"));
      }
    }
    const source = isObject(parsed) ? parsed.query : new URLSearchParams(url.search).get("query");
    const refusal = typeof source === "string" ? options.documents.check(source, preflighted(req)) : null;
    if (refusal !== null) return sendJson(res, refusal.status, refusal.body);
    const context = new GatewayContext(app, requestId);
    res.locals = context;

    const key = req.headers["idempotency-key"];
    if (key === undefined || req.method !== "POST" || !isObject(parsed) || !isMutation(parsed)) {
      return write(res, await runApollo(api, req, url, parsed, context));
    }
    let outcome: IdempotentOutcome;
    try {
      outcome = await runIdempotent(options.idempotency, caller, String(key), parsed, {
        run: (recoverSince) => {
          context.effects.recoverSince = recoverSince;
          return runApollo(api, req, url, parsed, context);
        },
        reachedOms: () => context.effects.reachedOms,
      });
    } catch (error) {
      if (!(error instanceof IdempotencyStoreError)) throw error;
      app.log.error({ requestId, err: error.cause }, "idempotency store failed before the request ran");
      context.stats.outcome = "IDEMPOTENCY_STORE_UNAVAILABLE";
      const message = "The idempotency store is unavailable; the request was not run. Try again shortly.";
      return sendJson(res, 503, graphqlError(message, "IDEMPOTENCY_STORE_UNAVAILABLE"));
    }
    switch (outcome.kind) {
      case "fresh":
        if (context.effects.recoverSince !== null) res.setHeader("idempotent-recovered", "true");
        if (outcome.storeError === undefined) return write(res, outcome.response);
        // The OMS may have acted: the caller gets the real answer, and is told not to count on a replay.
        app.log.error(
          { requestId, err: outcome.storeError },
          "idempotency store failed after the request ran; its answer was not kept",
        );
        return write(res, withWarning(outcome.response, NOT_STORED_WARNING));
      case "replayed":
        context.stats.outcome = "replayed";
        res.setHeader("idempotent-replayed", "true");
        return write(res, outcome.response);
      case "invalidKey":
        return sendJson(
          res,
          400,
          graphqlError("Idempotency-Key must be 1 to 255 visible ASCII characters.", "BAD_REQUEST"),
        );
      case "reused":
        context.stats.outcome = "IDEMPOTENCY_KEY_REUSED";
        return sendJson(
          res,
          422,
          graphqlError(
            "This Idempotency-Key was already used for a different request; use a new key for a new request.",
            "IDEMPOTENCY_KEY_REUSED",
          ),
        );
      case "inProgress":
        context.stats.outcome = "IDEMPOTENCY_KEY_IN_PROGRESS";
        return sendJson(
          res,
          409,
          graphqlError(
            "A request with this Idempotency-Key is still running; ask again later for its result.",
            "IDEMPOTENCY_KEY_IN_PROGRESS",
          ),
        );
    }
  };
}

const NOT_STORED_WARNING = {
  code: "IDEMPOTENCY_NOT_STORED",
  message:
    "This answer is the request's real outcome, but the idempotency store failed to keep it: " +
    "a retry with the same key would not replay it. Do not retry a request that was answered.",
};

// Private: adds a warning to the answer's top-level `extensions`, where GraphQL puts what is not
// data or an error. Rare (the store failed after the request ran), so parsing again is fine.
function withWarning(response: StoredResponse, warning: { code: string; message: string }): StoredResponse {
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return response;
  }
  if (!isObject(parsed)) return response;
  const extensions = isObject(parsed.extensions) ? parsed.extensions : {};
  const warnings = Array.isArray(extensions.warnings) ? extensions.warnings : [];
  const body = JSON.stringify({ ...parsed, extensions: { ...extensions, warnings: [...warnings, warning] } });
  return { ...response, body, headers: { ...response.headers, "idempotency-stored": "false" } };
}

/**
 * The request headers Apollo Server reads: body parsing, response negotiation and its CSRF
 * prevention. Copying every header into its HeaderMap on each request costs more than the rest of
 * the hand-over; a plugin that needs another header must be added here.
 */
const APOLLO_HEADERS = [
  "content-type",
  "accept",
  "x-apollo-operation-name",
  "apollo-require-preflight",
] as const;

async function runApollo(
  api: ApolloServer<GatewayContext>,
  req: IncomingMessage,
  url: RequestTarget,
  body: unknown,
  context: GatewayContext,
): Promise<StoredResponse> {
  const headers = new HeaderMap();
  for (const name of APOLLO_HEADERS) {
    const value = req.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  const result = await api.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: req.method ?? "POST", headers, search: url.search, body },
    context: async () => context,
  });
  let text: string;
  if (result.body.kind === "complete") {
    text = result.body.string;
  } else {
    // Incremental delivery is not enabled; collected whole should it ever be.
    text = "";
    for await (const chunk of result.body.asyncIterator) text += chunk;
  }
  const extra: Record<string, string> = {};
  for (const [name, value] of result.headers) {
    if (name !== "content-type" && name !== "content-length") extra[name] = value;
  }
  return {
    status: result.status ?? 200,
    contentType: result.headers.get("content-type") ?? "application/json; charset=utf-8",
    body: text,
    headers: extra,
  };
}

function write(res: ServerResponse, response: StoredResponse): void {
  res.writeHead(response.status, {
    ...response.headers,
    "content-type": response.contentType,
    "content-length": Buffer.byteLength(response.body),
  });
  res.end(response.body);
}

// Private: Apollo's CSRF prevention lets a request through when a browser would have preflighted it:
// a content type a form cannot send, or one of the headers Apollo names.
function preflighted(req: IncomingMessage): boolean {
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== undefined && !SIMPLE_CONTENT_TYPES.has(type)) return true;
  return Boolean(req.headers["x-apollo-operation-name"] || req.headers["apollo-require-preflight"]);
}

const SIMPLE_CONTENT_TYPES = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);

function isJson(contentType: string | undefined): boolean {
  const type = contentType?.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.endsWith("+json") ?? false);
}
