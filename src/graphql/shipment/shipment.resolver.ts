import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CargoCompany } from "../cargo-company/cargo-company.type.js";
import type { GatewayContext } from "../context.js";
import { Shipment } from "./shipment.type.js";

@Resolver(() => Shipment)
export class ShipmentResolver {
  @FieldResolver(() => CargoCompany, { nullable: true })
  cargoCompany(
    @Root() shipment: Shipment,
    @Ctx() ctx: GatewayContext,
  ): CargoCompany | null | Promise<CargoCompany | null> {
    const id = shipment.cargoCompanyId;
    if (id === null) return null;
    // Answered in place when the catalogue is in memory: a list of packages then costs no promise per
    // carrier (most of a long list's garbage otherwise).
    const known = ctx.cargoCompanyInMemory(id);
    if (known !== undefined) return known && CargoCompany.from(known);
    return ctx.cargoCompanies.load(id).then((record) => record && CargoCompany.from(record));
  }
}
