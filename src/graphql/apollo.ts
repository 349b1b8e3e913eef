/**
 * The Apollo Server instance for /graphql: plugins, error masking and the request bookkeeping that
 * feeds the request log line.
 */
import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import {
  GraphQLError,
  type GraphQLFormattedError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
} from "graphql";
import { OmsError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import type { GatewayContext } from "./context.js";
import type { DocumentGuard } from "./document-guard.js";
import { EXAMPLE_OPERATION, EXAMPLE_VARIABLES } from "./example.js";
import { type JitOptions, jitGateway } from "./jit-executor.js";
import { sandboxLandingPage } from "./landing-page.js";
import { limitCode, limitRules, type QueryLimits } from "./limits.js";
import { maxMutationFieldsRule } from "./mutation-fields-rule.js";
import { operationTypesRule } from "./operation-types-rule.js";

export interface ApolloOptions {
  schema: GraphQLSchema;
  production: boolean;
  /** Apollo Sandbox on GET text/html (never in production); null: none. */
  landingPage: { callersMustAuthenticate: boolean } | null;
  maxMutationFields: number;
  limits: QueryLimits;
  /** Checked before this server sees a document; told of the documents it refuses. */
  documents: DocumentGuard;
  log: Logger;
  /** null: Apollo's own execution (graphql-js). */
  jit: JitOptions | null;
}

export function createApollo(options: ApolloOptions): ApolloServer<GatewayContext> {
  return new ApolloServer<GatewayContext>({
    // Execution by graphql-jit when on; everything before and after it stays Apollo's.
    ...(options.jit === null
      ? { schema: options.schema }
      : { gateway: jitGateway(options.schema, options.jit) }),
    introspection: !options.production,
    includeStacktraceInErrorResponses: false,
    hideSchemaDetailsFromClientErrors: options.production,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // main.ts owns the signals and drains HTTP first; Apollo stopping itself on SIGTERM would race it.
    stopOnTerminationSignals: false,
    // Apollo would otherwise read APOLLO_KEY from the environment itself; configuration is ours alone.
    apollo: {},
    formatError: (formatted, error) => {
      const result = formatError(formatted, error);
      // Apollo's hideSchemaDetailsFromClientErrors covers validation errors only; variable
      // coercion errors still suggest field names.
      return options.production ? { ...result, message: withoutSuggestions(result.message) } : result;
    },
    validationRules: [
      operationTypesRule,
      maxMutationFieldsRule(options.maxMutationFields),
      ...limitRules(options.limits),
    ],
    parseOptions: { maxTokens: options.limits.maxTokens },
    plugins: [
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginSchemaReportingDisabled(),
      // Routers add traces to Apollo Studio reports; this gateway does not report there.
      ApolloServerPluginInlineTraceDisabled(),
      // No cache hints are used, and the plugin would wrap every field resolver to collect them.
      ApolloServerPluginCacheControlDisabled(),
      options.production || options.landingPage === null
        ? ApolloServerPluginLandingPageDisabled()
        : sandboxLandingPage({
            document: EXAMPLE_OPERATION,
            variables: EXAMPLE_VARIABLES,
            ...options.landingPage,
          }),
      bookkeeping(options.log),
      rememberRefusals(options.documents),
    ],
  });
}

/** Codes of errors whose messages were written for callers and may be shown as they are. */
function isCallerFacing(error: GraphQLFormattedError): boolean {
  const code = error.extensions?.code;
  return typeof code === "string" && code !== "INTERNAL_SERVER_ERROR";
}

/**
 * OMS failures keep their stable code and our own message; errors we did not anticipate are masked
 * (their details are logged with the request id by the bookkeeping plugin).
 */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (original instanceof OmsError) {
    const { retryAfterSeconds, circuitOpen } = original.details;
    return {
      message: original.message,
      ...(formatted.locations ? { locations: formatted.locations } : {}),
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: {
        code: original.code,
        ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
        // The code stays OMS_UNAVAILABLE for callers that switch on it; the reason tells them the
        // gateway refused before sending, so retrying after a pause is safe.
        ...(circuitOpen ? { reason: original.refusal } : {}),
      },
    };
  }
  const requestCode = error instanceof GraphQLError ? badRequestCode(error) : null;
  if (requestCode !== null) {
    return { ...formatted, extensions: { ...formatted.extensions, code: requestCode } };
  }
  const limit = limitCode(formatted.message);
  if (limit !== null) return { ...formatted, extensions: { ...formatted.extensions, code: limit } };
  // Apollo relabels every validation error GRAPHQL_VALIDATION_FAILED; our own rules carry a more
  // precise code (TOO_MANY_MUTATION_FIELDS) that callers can switch on.
  const ruleCode =
    error instanceof GraphQLError && error.originalError instanceof GraphQLError
      ? error.originalError.extensions.code
      : undefined;
  if (typeof ruleCode === "string" && formatted.extensions?.code === "GRAPHQL_VALIDATION_FAILED") {
    return { ...formatted, extensions: { ...formatted.extensions, code: ruleCode } };
  }
  if (isCallerFacing(formatted)) return formatted;
  return {
    message: "Internal server error",
    ...(formatted.path ? { path: formatted.path } : {}),
    extensions: { code: "INTERNAL_SERVER_ERROR" },
  };
}

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

function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, "");
}

/**
 * Apollo refuses some malformed requests with an HTTP 4xx but no code, which would read as our own
 * failure: the caller's mistake gets a code a client can act on (Apollo Router's, for APQ).
 */
function badRequestCode(error: GraphQLError): string | null {
  if (error.extensions?.code !== undefined) return null;
  const status = (error.extensions?.http as { status?: unknown } | undefined)?.status;
  if (typeof status !== "number" || status < 400 || status >= 500) return null;
  return error.message === "provided sha does not match query"
    ? "PERSISTED_QUERY_HASH_MISMATCH"
    : "BAD_REQUEST";
}

function codeOf(error: GraphQLError): string {
  const original = unwrapResolverError(error);
  if (original instanceof OmsError) return original.code;
  const code = error.extensions?.code;
  return typeof code === "string" ? code : (badRequestCode(error) ?? "INTERNAL_SERVER_ERROR");
}

// Private: records the operation name and outcome for the request log, and logs unexpected errors
// with their stack (which the caller never sees).
// It keeps nothing per request, so every request shares one listener instead of allocating its own.
function bookkeeping(log: Logger): ApolloServerPlugin<GatewayContext> {
  const listener: GraphQLRequestListener<GatewayContext> = {
    async didResolveOperation({ contextValue, operationName, operation }) {
      const type = operation ? describeOperation(operation) : null;
      contextValue.stats.resolved(operationName ?? operation?.operation ?? null, type);
    },
    async didEncounterErrors({ contextValue, errors }) {
      for (const error of errors) {
        const code = codeOf(error);
        contextValue.stats.failed(code);
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

// Private: a document that does not parse or validate gets the same answer every time, so the answer
// is handed to the guard, which gives it before Apollo runs next time. Only documents seen for the
// first time reach these hooks: Apollo keeps valid ones parsed and validated.
function rememberRefusals(documents: DocumentGuard): ApolloServerPlugin<GatewayContext> {
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
