/**
 * The public schema, built from the type-graphql classes. type-graphql's automatic validation stays
 * off: resolvers call class-validator themselves so that bad input is a ValidationError, not a
 * top-level error.
 */
import type { GraphQLSchema } from "graphql";
import { buildSchemaSync } from "type-graphql";
import { CargoCompanyResolver } from "./cargo-company/cargo-company.resolver.js";
import { PackageResolver } from "./package/package.resolver.js";
import { PackagesResolver } from "./package/packages.resolver.js";
import { ShipmentResolver } from "./shipment/shipment.resolver.js";
import { UpdatePackageShipmentResolver } from "./shipment/update-package-shipment.resolver.js";
import { UpdatePackageShipmentsResolver } from "./shipment/update-package-shipments.resolver.js";

export const resolvers = [
  PackageResolver,
  PackagesResolver,
  CargoCompanyResolver,
  ShipmentResolver,
  UpdatePackageShipmentResolver,
  UpdatePackageShipmentsResolver,
] as const;

let cached: GraphQLSchema | undefined;

/** Built once per process: the classes and their metadata never change at run time. */
export function publicSchema(): GraphQLSchema {
  cached ??= buildSchemaSync({ resolvers: [...resolvers], validate: false });
  return cached;
}
