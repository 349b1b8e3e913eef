/**
 * The public schema, built from the type-graphql classes. type-graphql's automatic validation stays
 * off: resolvers call class-validator themselves so that bad input is a ValidationError, not a
 * top-level error.
 */
import type { GraphQLSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { CargoCompanyResolver } from "./cargo-company/cargo-company.resolver.js";
import { instrumentFields } from "./instrumented-fields.js";
import { PackageResolver } from "./package/package.resolver.js";
import { PackagesResolver } from "./package/packages.resolver.js";
import { ShipmentResolver } from "./shipment/shipment.resolver.js";
import { UpdatePackageShipmentResolver } from "./shipment/update-package-shipment.resolver.js";
import { UpdatePackageShipmentsResolver } from "./shipment/update-package-shipments.resolver.js";
import { TrackingUrlResolver } from "./tracking/tracking-url.resolver.js";

export const resolvers = [
  PackageResolver,
  PackagesResolver,
  CargoCompanyResolver,
  ShipmentResolver,
  TrackingUrlResolver,
  UpdatePackageShipmentResolver,
  UpdatePackageShipmentsResolver,
] as const;

/**
 * The fields whose resolvers may call the OMS: the root fields, and the lazy reads of a result. Each
 * run of one is a span under the operation's.
 */
const OMS_FIELDS = ["Query.*", "Mutation.*", "ShipmentUpdated.package", "Shipment.cargoCompany"];

let cached: GraphQLSchema | undefined;

/** Built once per process: the classes and their metadata never change at run time. */
export function publicSchema(): GraphQLSchema {
  if (cached === undefined) {
    cached = buildSchemaSync({ resolvers: [...resolvers], validate: false });
    instrumentFields(cached, OMS_FIELDS);
  }
  return cached;
}
