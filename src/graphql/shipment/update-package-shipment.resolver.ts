import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { packageVanished } from "../../domain/errors.js";
import type { GatewayContext } from "../context.js";
import { Package } from "../package/package.type.js";
import { type CommandResult, execute, prepare } from "./run-command.js";
import { UpdatePackageShipmentInput } from "./update-package-shipment.input.js";
import {
  ShipmentUpdated,
  UpdatePackageShipmentResult,
  ValidationError,
} from "./update-package-shipment.result.js";

@Resolver(() => ShipmentUpdated)
export class UpdatePackageShipmentResolver {
  @Mutation(() => UpdatePackageShipmentResult, {
    description: "Runs the OMS 'update shipment info' command on one package.",
  })
  async updatePackageShipment(
    @Arg("input", () => UpdatePackageShipmentInput) input: UpdatePackageShipmentInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<CommandResult> {
    const path = ["input"];
    const prepared = prepare(input, path);
    const result = prepared instanceof ValidationError ? prepared : await execute(ctx, prepared, path);
    ctx.stats.answered(ctx.recordResult("updatePackageShipment", result));
    return result;
  }

  // Nullable: a failed read after a 204 must not turn the applied command into a failed request.
  @FieldResolver(() => Package, { nullable: true })
  async package(@Root() updated: ShipmentUpdated, @Ctx() ctx: GatewayContext): Promise<Package | null> {
    const record = await ctx.packages.load(updated.packageId);
    if (record === null) throw packageVanished(updated.packageId);
    return Package.from(record);
  }
}
