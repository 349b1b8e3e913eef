/**
 * The Apollo Server instances for /graphql and /subgraph: plugins, error masking and the request
 * bookkeeping that feeds the request log line.
 */
import { ApolloServer } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginSchemaReportingDisabled,
  ApolloServerPluginUsageReportingDisabled,
} from "@apollo/server/plugin/disabled";
import { ApolloServerPluginInlineTrace } from "@apollo/server/plugin/inlineTrace";
import { GraphQLError, type GraphQLFormattedError, type GraphQLSchema } from "graphql";
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
import { badRequestCode, bookkeeping, codesOnErrors, rememberRefusals } from "./request-plugins.js";

export interface ApolloOptions {
  schema: GraphQLSchema;
  production: boolean;
  /** Apollo Sandbox on GET text/html (never in production); null: none. */
  landingPage: { callersMustAuthenticate: boolean } | null;
  /** Answer a router's `apollo-federation-include-trace: ftv1` with a field trace (the subgraph). */
  inlineTrace: boolean;
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
      // Before the field trace, which reads the errors as resolvers threw them.
      codesOnErrors(),
      // A router that reports usage asks its subgraphs for field traces and forwards them. Errors in
      // them keep their code only: the router passes traces on to a reporting service.
      options.inlineTrace
        ? ApolloServerPluginInlineTrace({ includeErrors: { transform: codeOnly } })
        : ApolloServerPluginInlineTraceDisabled(),
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

// Private: the trace gets a copy of each error without its original error, so the code must already
// be on the error itself (see codesOnErrors).
function codeOnly(error: GraphQLError): GraphQLError {
  const code = error.extensions?.code;
  return new GraphQLError("<masked>", {
    extensions: { code: typeof code === "string" ? code : "INTERNAL_SERVER_ERROR" },
  });
}

function withoutSuggestions(message: string): string {
  return message.replace(/\s*Did you mean [^?]*\?/g, "");
}
