/**
 * The Apollo plugins that keep a request's books: its operation and outcome for the request log line
 * and metrics, unexpected errors logged with their stack, and documents refused once remembered so
 * they are refused again before Apollo runs.
 */
import type { ApolloServerPlugin, GraphQLRequestListener } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import { type GraphQLError, Kind, type OperationDefinitionNode } from "graphql";
import { OmsError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import type { GatewayContext } from "./context.js";
import type { DocumentGuard } from "./document-guard.js";

// Private: Apollo's document store hands back the same operation node for the same document, so
// each operation is described once rather than on every request.
const descriptions = new WeakMap<OperationDefinitionNode, string>();

// Private: root field names come from the schema, so the label has few values; fields reached
// through root fragments are rare enough to be counted as "fragment".
function describeOperation(operation: OperationDefinitionNode): string {
  let description = descriptions.get(operation);
  if (description === undefined) {
    description = describeOnce(operation);
    descriptions.set(operation, description);
  }
  return description;
}

function describeOnce(operation: OperationDefinitionNode): string {
  const fields = new Set<string>();
  for (const selection of operation.selectionSet.selections) {
    fields.add(selection.kind === Kind.FIELD ? selection.name.value : "fragment");
  }
  return `${operation.operation} ${[...fields].sort().join(",")}`.slice(0, 120);
}

/**
 * Apollo refuses some malformed requests with an HTTP 4xx but no code, which would read as our own
 * failure: the caller's mistake gets a code a client can act on (Apollo Router's, for APQ).
 */
export function badRequestCode(error: GraphQLError): string | null {
  if (error.extensions?.code !== undefined) return null;
  const status = (error.extensions?.http as { status?: unknown } | undefined)?.status;
  if (typeof status !== "number" || status < 400 || status >= 500) return null;
  return error.message === "provided sha does not match query"
    ? "PERSISTED_QUERY_HASH_MISMATCH"
    : "BAD_REQUEST";
}

/** The stable code of an error as callers see it in `extensions.code`. */
function codeOf(error: GraphQLError): string {
  const original = unwrapResolverError(error);
  if (original instanceof OmsError) return original.code;
  const code = error.extensions?.code;
  return typeof code === "string" ? code : (badRequestCode(error) ?? "INTERNAL_SERVER_ERROR");
}

// Private: records the operation name and outcome for the request log, and logs unexpected errors
// with their stack (which the caller never sees).
// It keeps nothing per request, so every request shares one listener instead of allocating its own.
export function bookkeeping(log: Logger): ApolloServerPlugin<GatewayContext> {
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ contextValue, operationName, operation }) {
      const type = operation ? describeOperation(operation) : null;
      contextValue.stats.resolved(operationName ?? operation?.operation ?? null, type);
      const span = trace.getActiveSpan();
      if (operation && span?.isRecording()) {
        // The semantic conventions' name: type and name, or the root fields of an anonymous one.
        span.updateName(
          operationName ? `${operation.operation} ${operationName}` : describeOperation(operation),
        );
        span.setAttribute("graphql.operation.type", operation.operation);
        if (operationName) span.setAttribute("graphql.operation.name", operationName);
      }
    },
    async didEncounterErrors({ contextValue, errors }) {
      const span = trace.getActiveSpan();
      for (const error of errors) {
        const code = codeOf(error);
        contextValue.stats.failed(code);
        contextValue.app.metrics.recordGraphQLError(code);
        if (span?.isRecording()) span.setStatus({ code: SpanStatusCode.ERROR, message: code });
        if (code === "INTERNAL_SERVER_ERROR") {
          const original = unwrapResolverError(error);
          log.error(
            { requestId: contextValue.requestId, err: original, path: error.path },
            "unexpected error",
          );
        }
      }
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

/**
 * Puts the stable code of an OMS failure on the error as resolvers threw it (graphql-js gives each
 * such error its own `extensions` object): plugins that read errors before `formatError` runs, such
 * as the subgraph's field trace, then see the code callers see.
 */
export function codesOnErrors(): ApolloServerPlugin<GatewayContext> {
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didEncounterErrors({ errors }) {
      for (const error of errors) {
        const original = unwrapResolverError(error);
        if (original instanceof OmsError && error.extensions.code === undefined) {
          (error.extensions as Record<string, unknown>).code = original.code;
        }
      }
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}

// Private: a document that does not parse or validate gets the same answer every time, so the answer
// is handed to the guard, which gives it before Apollo runs next time. Only documents seen for the
// first time reach these hooks: Apollo keeps valid ones parsed and validated.
export function rememberRefusals(documents: DocumentGuard): ApolloServerPlugin<GatewayContext> {
  const refused = new WeakSet<object>();
  const listener: GraphQLRequestListener<GatewayContext> = {
    async parsingDidStart({ request }) {
      return async (error) => {
        if (error !== undefined) refused.add(request);
      };
    },
    async validationDidStart({ request }) {
      return async (errors) => {
        documents.validated(errors === undefined);
        if (errors !== undefined) refused.add(request);
      };
    },
    async willSendResponse({ request, source, response }) {
      if (!refused.has(request) || source === undefined || response.body.kind !== "single") return;
      const errors = response.body.singleResult.errors ?? [];
      documents.remember(source, { status: response.http.status ?? 400, body: { errors } });
    },
  };
  return {
    async requestDidStart() {
      return listener;
    },
  };
}
