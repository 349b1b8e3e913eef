/**
 * The fields whose resolvers may call the OMS, instrumented: each run is a span (so the OMS calls it
 * makes nest under it), and the packages the root fields name are noted for the request log line.
 * Done on the built schema, through the fields' public `resolve`, once per schema: graphql-js and
 * graphql-jit both call what is there.
 */
import { type Span, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  type GraphQLFieldResolver,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  isObjectType,
  responsePathAsArray,
} from "graphql";
import { OmsError } from "../domain/errors.js";
import { isObject } from "../json.js";
import { TRACER_NAME, tracingOn } from "../tracing.js";
import type { GatewayContext } from "./context.js";
import { MAX_LOGGED_PACKAGES } from "./request-stats.js";

type Resolver = GraphQLFieldResolver<unknown, GatewayContext>;

/** Where a root field's arguments name packages ("Type.field"): `args` to the ids. */
const PACKAGE_ARGUMENTS: Record<string, (args: Record<string, unknown>) => unknown[]> = {
  "Query.package": (args) => [args.id],
  "Mutation.updatePackageShipment": (args) => [isObject(args.input) ? args.input.packageId : undefined],
  "Mutation.updatePackageShipments": (args) =>
    Array.isArray(args.inputs)
      ? args.inputs.map((input) => (isObject(input) ? input.packageId : undefined))
      : [],
  "Query._entities": (args) =>
    Array.isArray(args.representations)
      ? args.representations.map((r) => (isObject(r) && r.__typename === "Package" ? r.id : undefined))
      : [],
};

// Private: what a field naming no packages notes; shared, never written to.
const NO_PACKAGES: string[] = [];

// Private: a field is instrumented once, however many schemas share its resolver.
const instrumented = new WeakSet<Resolver>();

/**
 * Instruments `fields` of `schema` ("Type.field", or "Type.*" for every field of a type) that have a
 * resolver of their own.
 */
export function instrumentFields(schema: GraphQLSchema, fields: readonly string[]): void {
  for (const name of fields) {
    const [typeName = "", fieldName = ""] = name.split(".");
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`instrumentFields: ${typeName} is not an object type.`);
    const all = type.getFields();
    const chosen = fieldName === "*" ? Object.values(all) : [all[fieldName]];
    for (const field of chosen) {
      if (field === undefined) throw new Error(`instrumentFields: ${name} is not a field.`);
      const resolve = field.resolve as Resolver | undefined;
      if (resolve === undefined || instrumented.has(resolve)) continue;
      const path = `${typeName}.${field.name}`;
      const wrapped = instrument(path, resolve, PACKAGE_ARGUMENTS[path]);
      instrumented.add(wrapped);
      field.resolve = wrapped as GraphQLFieldResolver<unknown, unknown>;
    }
  }
}

function instrument(
  name: string,
  resolve: Resolver,
  packagesOf: ((args: Record<string, unknown>) => unknown[]) | undefined,
): Resolver {
  const tracer = () => trace.getTracer(TRACER_NAME);
  return (source, args, ctx, info) => {
    const packageIds = packagesOf ? idsOf(packagesOf(args)) : NO_PACKAGES;
    if (packageIds.length > 0) ctx.stats.notePackages(packageIds);
    if (!tracingOn()) return resolve(source, args, ctx, info);
    return tracer().startActiveSpan(name, (span) => {
      if (span.isRecording()) describe(span, info, packageIds);
      let result: unknown;
      try {
        result = resolve(source, args, ctx, info);
      } catch (error) {
        failed(span, error);
        throw error;
      }
      if (!(result instanceof Promise)) {
        span.end();
        return result;
      }
      return result.then(
        (value) => {
          span.end();
          return value;
        },
        (error: unknown) => {
          failed(span, error);
          throw error;
        },
      );
    });
  };
}

function describe(span: Span, info: GraphQLResolveInfo, packageIds: string[]): void {
  span.setAttributes({
    "graphql.field.name": info.fieldName,
    "graphql.field.path": responsePathAsArray(info.path).join("."),
    "graphql.field.type": String(info.returnType),
    "graphql.operation.type": info.operation.operation,
  });
  if (packageIds.length > 0) span.setAttribute("oms_graph.package_ids", packageIds);
}

function failed(span: Span, error: unknown): void {
  const code = error instanceof OmsError ? error.code : "INTERNAL_SERVER_ERROR";
  span.setAttribute("error.type", code);
  span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  span.end();
}

// Private: ids as callers wrote them, within reason: a hostile id must not fill the log.
function idsOf(values: unknown[]): string[] {
  const ids: string[] = [];
  for (const value of values) {
    if ((typeof value === "string" || typeof value === "number") && ids.length < MAX_LOGGED_PACKAGES) {
      ids.push(String(value).slice(0, 32));
    }
  }
  return ids;
}
