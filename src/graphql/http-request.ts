/**
 * GraphQL over HTTP, as far as it is GraphQL's business: which document a request carries, whether
 * it asks for a mutation, the hand-over to Apollo Server's request pipeline, and warnings added to an
 * answer. The HTTP edge reads the body and writes the answer; it runs no GraphQL rule of its own.
 */
import type { IncomingHttpHeaders } from "node:http";
import { type ApolloServer, HeaderMap } from "@apollo/server";
import { trace } from "@opentelemetry/api";
import type { OperationTypeNode } from "graphql";
import { isObject } from "../json.js";
import { TRACER_NAME, tracingOn } from "../tracing.js";
import type { GatewayContext } from "./context.js";
import type { DocumentFacts, DocumentGuard, DocumentVerdict } from "./document-guard.js";

/** One request as Apollo reads it. */
export interface GraphQLHttpRequest {
  method: string;
  headers: IncomingHttpHeaders;
  /** The query string, "?..." or "". */
  search: string;
  /** The parsed JSON body of a POST; undefined otherwise. */
  body: unknown;
}

/** An answer, whole: what is written to the client and, under an Idempotency-Key, kept. */
export interface GraphQLHttpAnswer {
  status: number;
  contentType: string;
  body: string;
  /** Other headers of the answer, lower-case names. */
  headers?: Record<string, string>;
}

/**
 * The guard's verdict on the request's document: a refusal to answer instead of running it (our
 * limits, or a refusal remembered), or what is known of it once let through. null when there is no
 * document or it does not parse: Apollo answers that.
 */
export function checkDocument(documents: DocumentGuard, request: GraphQLHttpRequest): DocumentVerdict | null {
  const { body } = request;
  const source = isObject(body) ? body.query : new URLSearchParams(request.search).get("query");
  return typeof source === "string" ? documents.check(source, preflighted(request.headers)) : null;
}

/**
 * The identity of a POST request that runs a mutation: what its Idempotency-Key stands for. null
 * for anything else (keys sent with queries are ignored).
 */
export function mutationIdentity(
  verdict: DocumentVerdict | null,
  request: GraphQLHttpRequest,
): MutationIdentity | null {
  const { body } = request;
  if (request.method !== "POST" || verdict === null || !("facts" in verdict) || !isObject(body)) return null;
  const operation = operationOf(verdict.facts, body.operationName);
  if (operation?.type !== "mutation") return null;
  return {
    document: verdict.facts.canonical(),
    operationName: body.operationName,
    variables: body.variables,
    operation: operation.name || "mutation",
  };
}

export interface MutationIdentity {
  document: string;
  /** As the client sent it (part of the identity). */
  operationName: unknown;
  variables: unknown;
  /** The operation run, as Apollo's log names it: its name, or "mutation" when anonymous. */
  operation: string;
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
  // A router asking a subgraph for a field trace (ftv1).
  "apollo-federation-include-trace",
] as const;

/** Runs one request through Apollo Server's pipeline and collects its answer. */
export async function executeHttp(
  api: ApolloServer<GatewayContext>,
  request: GraphQLHttpRequest,
  context: GatewayContext,
): Promise<GraphQLHttpAnswer> {
  const headers = new HeaderMap();
  for (const name of APOLLO_HEADERS) {
    const value = request.headers[name];
    if (typeof value === "string") headers.set(name, value);
  }
  const run = () =>
    api.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method, headers, search: request.search, body: request.body },
      context: async () => context,
    });
  // The operation's span: named once Apollo knows the operation (see request-plugins.ts); the
  // resolvers' spans nest under it.
  const result = !tracingOn()
    ? await run()
    : await trace.getTracer(TRACER_NAME).startActiveSpan("graphql", async (span) => {
        try {
          return await run();
        } finally {
          span.end();
        }
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

/**
 * Adds a warning to the answer's top-level `extensions`, where GraphQL puts what is not data or an
 * error. Rare (the store failed after the request ran), so parsing again is fine.
 */
export function withWarning<A extends GraphQLHttpAnswer>(
  answer: A,
  warning: { code: string; message: string },
  headers: Record<string, string>,
): A {
  let parsed: unknown;
  try {
    parsed = JSON.parse(answer.body);
  } catch {
    return answer;
  }
  if (!isObject(parsed)) return answer;
  const extensions = isObject(parsed.extensions) ? parsed.extensions : {};
  const warnings = Array.isArray(extensions.warnings) ? extensions.warnings : [];
  const body = JSON.stringify({ ...parsed, extensions: { ...extensions, warnings: [...warnings, warning] } });
  return { ...answer, body, headers: { ...answer.headers, ...headers } };
}

// Private: Apollo's CSRF prevention lets a request through when a browser would have preflighted it:
// a content type a form cannot send, or one of the headers Apollo names.
function preflighted(headers: IncomingHttpHeaders): boolean {
  const type = headers["content-type"]?.split(";")[0]?.trim().toLowerCase();
  if (type !== undefined && !SIMPLE_CONTENT_TYPES.has(type)) return true;
  return Boolean(headers["x-apollo-operation-name"] || headers["apollo-require-preflight"]);
}

const SIMPLE_CONTENT_TYPES = new Set([
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "text/plain",
]);

/**
 * The operation a request runs, as graphql-js picks it: the named one, or the only one when none is
 * named; null when that is ambiguous or absent (Apollo then refuses the request). Its name is ""
 * when anonymous.
 */
function operationOf(
  facts: DocumentFacts,
  operationName: unknown,
): { name: string; type: OperationTypeNode } | null {
  if (typeof operationName === "string") {
    const type = facts.operations.get(operationName);
    return type === undefined ? null : { name: operationName, type };
  }
  if (facts.operations.size !== 1) return null;
  const [only] = facts.operations;
  return only === undefined ? null : { name: only[0], type: only[1] };
}
