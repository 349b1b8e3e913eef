import { GraphQLError } from "graphql";
import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import type { GatewayContext } from "../../context.js";
import { parseOmsId } from "../ids.js";
import { Package } from "./package.type.js";

@Resolver(() => Package)
export class PackageResolver {
  @Query(() => Package, {
    nullable: true,
    description: "A packaging order as the OMS sees it now. Null when the OMS has no package with this id.",
  })
  async package(@Arg("id", () => ID) id: string, @Ctx() ctx: GatewayContext): Promise<Package | null> {
    const packageId = parseOmsId(id);
    if (packageId === null) {
      throw new GraphQLError(`A package id is a positive integer, got ${JSON.stringify(id.slice(0, 40))}.`, {
        extensions: { code: "BAD_USER_INPUT", argumentName: "id" },
      });
    }
    const record = await ctx.packages.load(packageId);
    return record && Package.from(record);
  }
}
