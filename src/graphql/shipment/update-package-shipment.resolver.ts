import { GraphQLError } from "graphql";
import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import type { GatewayContext } from "../../context.js";
import type { UpdateShipmentCommand, UpdateShipmentOutcome } from "../../domain/shipment.js";
import { updateShipment } from "../../domain/update-shipment.js";
import { parseOmsId } from "../ids.js";
import { Package } from "../package/package.type.js";
import { validateInput } from "../validate-input.js";
import { Shipment } from "./shipment.type.js";
import { UpdatePackageShipmentInput } from "./update-package-shipment.input.js";
import {
  CommandRejected,
  FieldError,
  ShipmentUpdated,
  UpdatePackageShipmentResult,
  ValidationError,
} from "./update-package-shipment.result.js";

type Result = ShipmentUpdated | ValidationError | CommandRejected;

@Resolver(() => ShipmentUpdated)
export class UpdatePackageShipmentResolver {
  @Mutation(() => UpdatePackageShipmentResult, {
    description: "Runs the OMS 'update shipment info' command on one package.",
  })
  async updatePackageShipment(
    @Arg("input", () => UpdatePackageShipmentInput) input: UpdatePackageShipmentInput,
    @Ctx() ctx: GatewayContext,
  ): Promise<Result> {
    const result = await runCommand(ctx, input, ["input"]);
    ctx.stats.outcome = result.constructor.name;
    return result;
  }

  @FieldResolver(() => Package)
  async package(@Root() updated: ShipmentUpdated, @Ctx() ctx: GatewayContext): Promise<Package> {
    const record = await ctx.packages.load(updated.packageId);
    if (record === null) {
      // The OMS accepted a command for this package a moment ago, so this is the OMS's inconsistency.
      throw new GraphQLError(`The OMS no longer finds package ${updated.packageId}.`, {
        extensions: { code: "OMS_UNAVAILABLE" },
      });
    }
    return Package.from(record);
  }
}

/**
 * Validates one input and runs the command. Shared with the bulk mutation, which passes its own path
 * (["inputs", "3"]).
 */
export async function runCommand(
  ctx: GatewayContext,
  input: UpdatePackageShipmentInput,
  path: readonly string[],
): Promise<Result> {
  const normalised = normalise(input);
  const fieldErrors = validateInput(normalised, path);
  if (fieldErrors.length > 0) return ValidationError.of(summarise(fieldErrors), fieldErrors);
  const outcome = await updateShipment(
    {
      oms: ctx.app.oms,
      transitions: ctx.app.transitions,
      loadPackage: (id) => ctx.packages.load(id),
      forgetPackage: (id) => ctx.packages.clear(id),
      callOptions: ctx.callOptions,
    },
    toCommand(normalised),
  );
  return toResult(outcome, path);
}

// Private: trimming happens before validation so "  AB1 " is valid and sent as "AB1"; an empty
// query number means "none".
function normalise(input: UpdatePackageShipmentInput): UpdatePackageShipmentInput {
  const copy = Object.assign(new UpdatePackageShipmentInput(), input);
  copy.trackingNumber = input.trackingNumber.trim();
  const query = input.queryNumber?.trim();
  copy.queryNumber = query === undefined || query === "" ? null : query;
  return copy;
}

function toCommand(input: UpdatePackageShipmentInput): UpdateShipmentCommand {
  return {
    packageId: parseOmsId(input.packageId) as number,
    cargoCompanyId: parseOmsId(input.cargoCompanyId) as number,
    trackingNumber: input.trackingNumber,
    queryNumber: input.queryNumber ?? null,
    transitionId: input.transitionId ?? null,
  };
}

function toResult(outcome: UpdateShipmentOutcome, path: readonly string[]): Result {
  switch (outcome.kind) {
    case "updated":
      return ShipmentUpdated.of(outcome.packageId, Shipment.from(outcome.shipment));
    case "invalid":
      return ValidationError.of(
        outcome.message,
        outcome.problems.map((p) =>
          FieldError.of(p.field === null ? [...path] : [...path, p.field], p.message, p.code),
        ),
      );
    case "rejected":
      return CommandRejected.of(outcome.message, outcome.code, outcome.packageId);
  }
}

function summarise(errors: FieldError[]): string {
  const first = errors[0]?.message ?? "The input is invalid.";
  return errors.length === 1 ? first : `${first} (and ${errors.length - 1} more problems)`;
}
