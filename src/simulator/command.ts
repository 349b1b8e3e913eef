import { SHIPMENT_UPDATABLE, STATUSES, statusOf, TRANSITIONS } from "./catalogue.js";
import { parseCommandBody } from "./command-body.js";
import { NOT_FOUND, type Reply } from "./http-io.js";
import type { PackageStore } from "./store.js";
import type { OmsCommandErrorBody, OmsPackage, OmsValidationErrorBody } from "./wire.js";

/**
 * What a request leads to: the reply decided on arrival, or, for an accepted command, `commit`, which applies
 * the change and releases the package lock when the answer is about to go out.
 */
export interface Outcome {
  reply: Reply;
  commit?: () => void;
}

const NO_CONTENT: Reply = { status: 204 };

function commandError(code: string, message: string): Outcome {
  const json: OmsCommandErrorBody = { error: { code, message } };
  return { reply: { status: 406, json } };
}

const statusName = (status: string): string =>
  (STATUSES as Record<string, { name: string } | undefined>)[status]?.name ?? status;

/** The update-shipment-info command, its rules checked in the documented order. */
export function runShipmentCommand(
  store: PackageStore,
  pkg: OmsPackage | undefined,
  rawBody: string,
): Outcome {
  if (!pkg) return { reply: NOT_FOUND };
  const parsed = parseCommandBody(rawBody);
  if ("reply" in parsed) return { reply: parsed.reply };
  const { command } = parsed;

  const transition = TRANSITIONS.get(command.transitionId);
  if (!transition) {
    return commandError("transition_not_found", `Transition ${command.transitionId} does not exist.`);
  }
  if (transition.source !== transition.destination) {
    return commandError(
      "transition_not_allowed",
      `Transition ${transition.id} moves a package from ${statusName(transition.source)} to ` +
        `${statusName(transition.destination)}; updating shipment info needs a transition that keeps the status.`,
    );
  }
  const status = statusOf(pkg.state);
  if (status !== transition.source) {
    if (!SHIPMENT_UPDATABLE.has(status)) {
      const message =
        `Shipment info cannot be updated while the package is ${pkg.state.name}; ` +
        "the package must be Packed, Shipped, Delivered or Attempted Delivery.";
      const json: OmsValidationErrorBody = { error: { non_field_errors: [message] }, status_code: 400 };
      return { reply: { status: 400, json } };
    }
    return commandError(
      "transition_state_mismatch",
      `Transition ${transition.id} runs on ${statusName(transition.source)} packages, ` +
        `but package ${pkg.id} is ${pkg.state.name}.`,
    );
  }
  const release = store.tryLock(pkg.id);
  if (!release) {
    return commandError("package_locked", `Package ${pkg.id} is locked by another command; try again later.`);
  }

  const generation = store.generation;
  return {
    reply: NO_CONTENT,
    commit: () => {
      release();
      // A reset() while the command ran has replaced the package table; the demo data must stay pristine.
      if (store.generation !== generation) return;
      store.updateShipment(pkg.id, {
        awb_number: command.awbNumber,
        query_number: command.queryNumber,
        cargo_company: command.cargoCompany,
      });
    },
  };
}
