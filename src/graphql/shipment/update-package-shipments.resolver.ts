import { GraphQLError } from "graphql";
import { Arg, Ctx, Mutation, Resolver } from "type-graphql";
import { BulkDeadline, deadlineExceeded } from "../../domain/bulk-deadline.js";
import { OmsError } from "../../domain/errors.js";
import type { Lane } from "../../domain/limiter.js";
import type { GatewayContext } from "../context.js";
import { BulkProgress } from "./bulk-progress.js";
import { execute, prepare, readAhead } from "./run-command.js";
import { UpdatePackageShipmentInput } from "./update-package-shipment.input.js";
import {
  CommandFailed,
  type CommandRejected,
  FieldError,
  type ShipmentUpdated,
  UpdatePackageShipmentsItem,
  ValidationError,
} from "./update-package-shipment.result.js";

type Item = ShipmentUpdated | ValidationError | CommandRejected | CommandFailed;

@Resolver()
export class UpdatePackageShipmentsResolver {
  @Mutation(() => [UpdatePackageShipmentsItem], {
    description:
      "The same command on many packages; one result per input, in input order. A package may appear once per call.",
  })
  async updatePackageShipments(
    @Arg("inputs", () => [UpdatePackageShipmentInput]) inputs: UpdatePackageShipmentInput[],
    @Ctx() ctx: GatewayContext,
  ): Promise<Item[]> {
    const max = ctx.app.bulkMaxItems;
    if (inputs.length > max) {
      throw new GraphQLError(
        `updatePackageShipments takes at most ${max} inputs per call, got ${inputs.length}.`,
        {
          extensions: { code: "BAD_USER_INPUT", argumentName: "inputs" },
        },
      );
    }
    const progress = new BulkProgress(ctx, inputs.length);
    const firstIndexOf = new Map<number, number>();
    // Its own lane: this call's items take turns with other bulk calls' items for the OMS slots.
    const lane = ctx.app.bulkLimiter.lane();
    const deadline = new BulkDeadline(ctx.app.bulkDeadlineMs, ctx.callOptions, (error) => lane.close(error));
    try {
      const items = await Promise.all(
        inputs.map(async (input, index) => {
          const item = await runItem(ctx, input, index, firstIndexOf, lane, deadline);
          progress.done(ctx.recordResult("updatePackageShipments", item));
          return item;
        }),
      );
      ctx.stats.answered(progress.summary());
      return items;
    } finally {
      deadline.dispose();
    }
  }
}

async function runItem(
  ctx: GatewayContext,
  input: UpdatePackageShipmentInput,
  index: number,
  firstIndexOf: Map<number, number>,
  lane: Lane,
  deadline: BulkDeadline,
): Promise<Item> {
  const path = ["inputs", String(index)];
  const prepared = prepare(input, path);
  if (prepared instanceof ValidationError) return prepared;
  const first = firstIndexOf.get(prepared.packageId);
  if (first !== undefined) return duplicate(path, prepared.packageId, first);
  firstIndexOf.set(prepared.packageId, index);
  readAhead(ctx, prepared);
  try {
    return await lane.run(() =>
      deadline.passed ? Promise.reject(deadlineExceeded()) : execute(ctx, prepared, path, deadline),
    );
  } catch (error) {
    return failed(ctx, error, prepared.packageId, path);
  }
}

// Private: one item's transport failure must not fail the call, so it becomes that item's result.
function failed(ctx: GatewayContext, error: unknown, id: number, path: string[]): CommandFailed {
  const packageId = String(id);
  if (error instanceof OmsError) {
    // Refused here before anything was sent (breaker open, deadline passed): known not applied, and
    // worth sending again later; unless an earlier, interrupted run of this request may have sent it.
    const known = ctx.effects.recoverSince === null;
    const message = known ? error.message : `${error.message} ${EARLIER_RUN}`;
    if (error.refusal !== null) return CommandFailed.of(message, error.refusal, packageId, known);
    return CommandFailed.of(error.message, error.code, packageId, error.code !== "OMS_OUTCOME_UNKNOWN");
  }
  ctx.app.log.error({ requestId: ctx.requestId, err: error, path }, "unexpected error in a bulk item");
  return CommandFailed.of("Internal server error", "INTERNAL_SERVER_ERROR", packageId, false);
}

const EARLIER_RUN =
  "An earlier, interrupted attempt of this request may have sent it: read the package before sending it again.";

function duplicate(path: string[], packageId: number, first: number): ValidationError {
  const message = `Package ${packageId} is already updated by inputs[${first}] in this call; it was not sent again.`;
  return ValidationError.of(message, [FieldError.of([...path, "packageId"], message, "DUPLICATE_PACKAGE")]);
}
