/**
 * One shipment command from GraphQL input to union member, shared by the single and the bulk
 * mutation: `prepare` validates without any I/O, `execute` runs the use case.
 */

import type { BulkDeadline } from "../../domain/bulk-deadline.js";
import type { UpdateShipmentCommand, UpdateShipmentOutcome } from "../../domain/shipment.js";
import { needsPackageRead, updateShipment } from "../../domain/update-shipment.js";
import type { GatewayContext } from "../context.js";
import { parseIds, validateInput } from "../validate-input.js";
import { Shipment } from "./shipment.type.js";
import { trimInput, type UpdatePackageShipmentInput } from "./update-package-shipment.input.js";
import {
  CommandRejected,
  FieldError,
  ShipmentUpdated,
  ValidationError,
} from "./update-package-shipment.result.js";

export type CommandResult = ShipmentUpdated | ValidationError | CommandRejected;

/**
 * Trims and validates one input, once, and parses its ids, once.
 * @param path where the input sits in the arguments: ["input"] or ["inputs", "3"]
 * @returns the command to run, or the ValidationError to answer with.
 */
export function prepare(
  input: UpdatePackageShipmentInput,
  path: readonly string[],
): UpdateShipmentCommand | ValidationError {
  trimInput(input);
  const { ids, errors } = parseIds(input, ID_FIELDS, path);
  const fieldErrors = errors.concat(validateInput(input, path));
  if (fieldErrors.length > 0) return ValidationError.of(summarise(fieldErrors), fieldErrors);
  return {
    packageId: ids.packageId,
    cargoCompanyId: ids.cargoCompanyId,
    trackingNumber: input.trackingNumber,
    queryNumber: input.queryNumber ?? null,
    transitionId: input.transitionId ?? null,
  };
}

const ID_FIELDS = ["packageId", "cargoCompanyId"] as const;

/**
 * Runs a prepared command. OMS transport failures are thrown as OmsError.
 * @param deadline a bulk call's: bounds the item's OMS calls and the package read before them.
 */
export async function execute(
  ctx: GatewayContext,
  command: UpdateShipmentCommand,
  path: readonly string[],
  deadline?: BulkDeadline,
): Promise<CommandResult> {
  const outcome = await updateShipment(
    {
      oms: ctx.app.oms,
      transitions: ctx.app.transitions,
      // The read is shared with the request's other items, so it is not cut; the item stops waiting.
      loadPackage: deadline ? (id) => deadline.race(ctx.packages.load(id)) : (id) => ctx.packages.load(id),
      forgetPackage: (id) => ctx.forgetPackage(id),
      // A bulk call's items had their packages read ahead, together (see readAhead).
      readAhead: deadline !== undefined,
      callOptions: deadline?.callOptions ?? ctx.callOptions,
      clockSkewMs: ctx.app.clockSkewMs,
      recoverSince: ctx.effects.recoverSince,
      onReachedOms: () => {
        ctx.effects.reachedOms = true;
      },
    },
    command,
  );
  return toResult(outcome, path);
}

/**
 * Starts the package read a command will need, without waiting for it: the reads a bulk call starts
 * in one go reach the OMS together, up to 100 packages per call, instead of one by one as each item
 * gets its turn. The item later finds the read in the request's loader.
 */
export function readAhead(ctx: GatewayContext, command: UpdateShipmentCommand): void {
  if (!needsPackageRead(ctx.app.transitions, command)) return;
  // Its failure is the item's, seen when the item awaits the same read.
  ctx.packages.load(command.packageId).catch(() => undefined);
}

function toResult(outcome: UpdateShipmentOutcome, path: readonly string[]): CommandResult {
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
