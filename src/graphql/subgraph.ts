/**
 * The Apollo Federation 2 subgraph schema: the same type-graphql types and resolvers as the public
 * schema, printed with their `@key` directives, plus `_entities` and `_service`.
 */
import { buildSubgraphSchema } from "@apollo/subgraph";
import { printSchemaWithDirectives } from "@graphql-tools/utils";
import { GraphQLError, type GraphQLFieldResolver, type GraphQLSchema, isUnionType, parse } from "graphql";
import { createResolversMap } from "type-graphql";
import { isObject } from "../json.js";
import { resolveCargoCompanyReference } from "./cargo-company/cargo-company.reference.js";
import { instrumentFields } from "./instrumented-fields.js";
import { resolvePackageReference } from "./package/package.reference.js";
import { publicSchema } from "./schema.js";

export const FEDERATION_LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])';

/** The subgraph's SDL as a router sees it in `_service { sdl }`. */
export function subgraphTypeDefs(): string {
  return `${FEDERATION_LINK}\n\n${printSchemaWithDirectives(publicSchema())}`;
}

const cache = new Map<number, GraphQLSchema>();

/** @param maxRepresentations larger `_entities` calls are refused before any OMS call. */
export function subgraphSchema(maxRepresentations: number): GraphQLSchema {
  let schema = cache.get(maxRepresentations);
  if (schema) return schema;
  const resolvers = createResolversMap(publicSchema()) as Record<string, Record<string, unknown>>;
  schema = buildSubgraphSchema({
    typeDefs: parse(subgraphTypeDefs()),
    resolvers: {
      ...resolvers,
      Package: { ...resolvers.Package, __resolveReference: resolvePackageReference },
      CargoCompany: { ...resolvers.CargoCompany, __resolveReference: resolveCargoCompanyReference },
    } as never,
  });
  limitRepresentations(schema, maxRepresentations);
  // The other fields' resolvers come instrumented from the public schema.
  instrumentFields(schema, ["Query._entities"]);
  cache.set(maxRepresentations, schema);
  return schema;
}

// Private: one `_entities` call can name any number of entities, each a potential OMS read; the
// bound is checked before a single reference is resolved. So are the type names: @apollo/subgraph
// fails an unknown one with a plain Error, which would read as the gateway's own fault.
function limitRepresentations(schema: GraphQLSchema, max: number): void {
  const field = schema.getQueryType()?.getFields()._entities;
  if (!field?.resolve) throw new Error("The subgraph schema has no _entities field.");
  const entity = schema.getType("_Entity");
  if (!isUnionType(entity)) throw new Error("The subgraph schema has no _Entity union.");
  const entityTypes = new Set(entity.getTypes().map((type) => type.name));
  const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve;
  field.resolve = (source, args, context, info) => {
    const representations: unknown[] = Array.isArray(args.representations) ? args.representations : [];
    if (representations.length > max) {
      throw new GraphQLError(
        `_entities accepts at most ${max} representations per call, got ${representations.length}.`,
        { extensions: { code: "TOO_MANY_REPRESENTATIONS" } },
      );
    }
    representations.forEach((representation, index) => {
      const typename = isObject(representation) ? representation.__typename : undefined;
      if (typeof typename !== "string" || !entityTypes.has(typename)) {
        const got = typeof typename === "string" ? `"${typename.slice(0, 64)}"` : "none";
        throw new GraphQLError(
          `_entities: representation ${index} must name an entity type (${[...entityTypes].join(", ")}) in __typename, got ${got}.`,
          { extensions: { code: "BAD_USER_INPUT" } },
        );
      }
    });
    return resolve(source, args, context, info);
  };
}
