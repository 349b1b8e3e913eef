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
    return ctx.withCargoCompany(id, (record) => record && CargoCompany.from(record));
  }
}
