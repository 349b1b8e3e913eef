/**
 * Executes operations with graphql-jit instead of graphql-js's `execute`, plugged in as Apollo
 * Server's gateway: Apollo still parses, validates (with our rules), runs the plugins and formats
 * the errors; only execution changes. An operation that keeps coming back is compiled once into
 * JavaScript, and the compiled function runs it from then on.
 *
 * Answers stay as graphql-js gives them: where graphql-jit would answer differently (variable
 * coercion, requests without a resolvable operation) graphql-js answers instead, and graphql-jit's
 * errors are rebuilt the way graphql-js builds them. Apollo's own execution path is not available
 * with a gateway; graphql-js is called directly, as Apollo calls it.
 */
import type {
  GatewayExecutor,
  GatewayGraphQLRequestContext,
  GatewayInterface,
} from "@apollo/server-gateway-interface";
import {
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  printSchema,
  type SelectionSetNode,
} from "graphql";
import { inspect } from "graphql/jsutils/inspect.js";
import { type CompiledQuery, compileQuery, isCompiledQuery } from "graphql-jit";

/**
 * Runs of an operation before it is compiled. Compiling takes about 1 ms for the shipment mutation
 * and 2 ms for a package query; each run of compiled code then saves some 15 µs. Documents sent
 * once or a few times (ids written into the text make every document new) would cost more than they
 * save, and would each keep their compiled code for as long as Apollo keeps the document.
 */
export const COMPILE_AFTER_RUNS = 10;

/**
 * Operations selecting more fields than this (fragments counted where spread) always run on
 * graphql-js: compiling grows with the field count (on this stack, 350 fields take 15-25 ms, 1,150
 * take 55-85 ms, once per document after COMPILE_AFTER_RUNS runs) and blocks every other request
 * meanwhile. A 50-package query (350 fields) is compiled: run compiled, it costs about a third less
 * CPU per query than on graphql-js.
 */
export const MAX_COMPILED_FIELDS = 400;

const FIELD_TRACE_HEADER = "apollo-federation-include-trace";

export interface JitOptions {
  /** Tests use 1, so that every test runs compiled code. */
  compileAfterRuns?: number;
}

/**
 * A gateway that serves one fixed schema and executes with graphql-jit. Apollo takes either a
 * schema or a gateway: the schema reaches Apollo through here.
 */
export function jitGateway(schema: GraphQLSchema, options: JitOptions = {}): GatewayInterface {
  const listeners = new Set<Parameters<GatewayInterface["onSchemaLoadOrUpdate"]>[0]>();
  const executor = jitExecutor(schema, options);
  return {
    onSchemaLoadOrUpdate(callback) {
      listeners.add(callback);
      return () => listeners.delete(callback);
    },
    async load() {
      // Apollo builds its schema-derived data (validation, document store) from `apiSchema` here.
      // The SDL is for plugins that report the schema to Apollo's cloud, which none here do.
      const schemaContext = {
        apiSchema: schema,
        get coreSupergraphSdl() {
          return printSchema(schema);
        },
      };
      for (const listener of listeners) listener(schemaContext);
      return { executor };
    },
    async stop() {
      listeners.clear();
    },
  };
}

// Private: what is known of an operation: its runs so far, its compiled query, or that graphql-js
// runs it (too big to compile, or graphql-jit could not).
type State = { runs: number } | "graphql-js" | CompiledQuery;

function jitExecutor(schema: GraphQLSchema, options: JitOptions): GatewayExecutor {
  const compileAfterRuns = options.compileAfterRuns ?? COMPILE_AFTER_RUNS;
  // Apollo's document store hands back the same DocumentNode for the same query text, so the state
  // lives as long as the document stays there. Keyed by the operation, a node of that document, so
  // that each operation of a document gets its own.
  const states = new WeakMap<OperationDefinitionNode, State>();

  return async (requestContext) => {
    const { document, operation, request, context } = requestContext;
    // No operation for this name (or no name in a document of several): graphql-js's error is what
    // Apollo answers with, and no resolver runs. graphql-jit would take an empty name for no name
    // and run the document's only operation.
    if (!operation) return runGraphqlJs(schema, requestContext);
    // A router's field trace (ftv1) times each resolver through the wrappers Apollo puts on the
    // schema's fields at the first such request; code compiled before then calls the resolvers
    // directly, and the trace would have no fields.
    if (request.http?.headers.get(FIELD_TRACE_HEADER) === "ftv1") return runGraphqlJs(schema, requestContext);
    let state = states.get(operation);
    if (state === undefined) {
      state =
        fieldCount(document, operation.selectionSet, new Map()) > MAX_COMPILED_FIELDS
          ? "graphql-js"
          : { runs: 0 };
      states.set(operation, state);
    }
    if (state === "graphql-js") return runGraphqlJs(schema, requestContext);
    if ("runs" in state) {
      if (++state.runs < compileAfterRuns) return runGraphqlJs(schema, requestContext);
      // The errors are rebuilt below, each with its own stack.
      const compiled = compileQuery(schema, document, request.operationName, {
        disablingCapturingStackErrors: true,
      });
      // graphql-jit refusing an operation Apollo has resolved and validated is a limit of graphql-jit;
      // graphql-js runs it (or gives its own error, as before).
      state = isCompiledQuery(compiled) ? compiled : "graphql-js";
      states.set(operation, state);
      if (state === "graphql-js") return runGraphqlJs(schema, requestContext);
    }
    const result = await state.query(undefined, context, request.variables);
    // graphql-jit coerces variables itself, with other messages and without the nodes Apollo needs to
    // call them BAD_USER_INPUT (and answer 400). Nothing has run yet: graphql-js coerces again and
    // answers exactly as before.
    if (!("data" in result)) return runGraphqlJs(schema, requestContext);
    return result.errors ? { data: result.data, errors: result.errors.map(asGraphQLError) } : result;
  };
}

// Private: the request as Apollo would have run it without a gateway.
function runGraphqlJs(schema: GraphQLSchema, { document, request, context }: GatewayGraphQLRequestContext) {
  return execute({
    schema,
    document,
    contextValue: context,
    variableValues: request.variables,
    operationName: request.operationName,
  });
}

// Private: fields a selection set selects, fragments counted where they are spread (each one
// counted once, into `fragments`). Validation has ruled out fragment cycles.
function fieldCount(document: DocumentNode, selectionSet: SelectionSetNode, fragments: Map<string, number>) {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      count += 1 + (selection.selectionSet ? fieldCount(document, selection.selectionSet, fragments) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += fieldCount(document, selection.selectionSet, fragments);
    } else {
      const name = selection.name.value;
      let spread = fragments.get(name);
      if (spread === undefined) {
        const fragment = document.definitions.find(
          (definition): definition is FragmentDefinitionNode =>
            definition.kind === Kind.FRAGMENT_DEFINITION && definition.name.value === name,
        );
        spread = fragment ? fieldCount(document, fragment.selectionSet, fragments) : 0;
        fragments.set(name, spread);
      }
      count += spread;
    }
  }
  return count;
}

/**
 * graphql-jit's errors have no `extensions` unless the thrown error had some (Apollo reads a code
 * there, fails, and answers a bare "Internal server error" without the path) and no `nodes`. Rebuilt
 * as graphql-js's `locatedError` builds them: an error that already has a path is kept, and a thrown
 * value that is not an Error gets graphql-js's wording.
 */
function asGraphQLError(error: GraphQLError): GraphQLError {
  const thrown: unknown = error.originalError;
  if (thrown instanceof GraphQLError && Array.isArray(thrown.path)) return thrown;
  const original =
    thrown === undefined || thrown instanceof Error
      ? thrown
      : new Error(`Unexpected error value: ${inspect(thrown)}`);
  const rebuilt = new GraphQLError(original?.message ?? error.message, {
    path: error.path,
    originalError: original,
  });
  // graphql-js computes locations from the field nodes, which graphql-jit resolved at compile time.
  return Object.assign(rebuilt, { locations: error.locations?.length ? error.locations : undefined });
}
