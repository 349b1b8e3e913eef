import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
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
}
