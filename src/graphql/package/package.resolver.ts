import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import type { PackageStatus as DomainStatus } from "../../domain/package.js";
import { canUpdateShipment } from "../../domain/shipment-eligibility.js";
import type { GatewayContext } from "../context.js";
import { requireOmsId } from "../ids.js";
import { Package } from "./package.type.js";

@Resolver(() => Package)
export class PackageResolver {
  @Query(() => Package, {
    nullable: true,
    description: "A packaging order as the OMS sees it now. Null when the OMS has no package with this id.",
  })
  async package(@Arg("id", () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<Package | null> {
    const record = await ctx.packages.load(requireOmsId(id, "package"));
    return record && Package.from(record);
  }

  @FieldResolver(() => Boolean, {
    description:
      "True when the status accepts the shipment command (PACKED, SHIPPED, DELIVERED, ATTEMPTED_DELIVERY) and a transition is configured for it: whether to offer the update at all.",
  })
  canUpdateShipment(@Root() pkg: Package, @Ctx() ctx: GatewayContext): boolean {
    return canUpdateShipment(pkg.status.toLowerCase() as DomainStatus, ctx.app.transitions);
  }
}
