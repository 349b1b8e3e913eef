import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { CargoCompany } from "../cargo-company/cargo-company.type.js";
import type { GatewayContext } from "../context.js";
import { Shipment } from "./shipment.type.js";

@Resolver(() => Shipment)
export class ShipmentResolver {
  @FieldResolver(() => CargoCompany, { nullable: true })
  async cargoCompany(@Root() shipment: Shipment, @Ctx() ctx: GatewayContext): Promise<CargoCompany | null> {
    if (shipment.cargoCompanyId === null) return null;
    const record = await ctx.cargoCompanies.load(shipment.cargoCompanyId);
    return record && CargoCompany.from(record);
  }
}
