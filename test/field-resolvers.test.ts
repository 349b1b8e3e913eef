/**
 * Which fields run code. Object types declare type-graphql's `simpleResolvers`, so a plain field has no
 * resolver and graphql (or graphql-jit's compiled code) reads it off the object; a type that forgets it
 * gives each of its fields a middleware stack to run per value, which a list of packages multiplies.
 * Beyond the root fields, only the `@FieldResolver`s listed here run code.
 */
import "reflect-metadata";
import { isObjectType } from "graphql";
import { expect, it } from "vitest";
import { publicSchema } from "../src/graphql/schema.js";

it("gives a resolver only to the root fields and the field resolvers", () => {
  const schema = publicSchema();
  const withCode: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (
      !isObjectType(type) ||
      type.name.startsWith("__") ||
      type.name === "Query" ||
      type.name === "Mutation"
    ) {
      continue;
    }
    for (const field of Object.values(type.getFields())) {
      if (field.resolve !== undefined) withCode.push(`${type.name}.${field.name}`);
    }
  }
  expect(withCode.sort()).toEqual([
    "CargoCompany.trackingUrlTemplate",
    "Package.canUpdateShipment",
    "Shipment.cargoCompany",
    "Shipment.trackingUrl",
    "ShipmentUpdated.package",
  ]);
});
