/**
 * The use case: choose the transition, send the command once, and when its answer was lost, read the
 * package back once to learn whether it was applied. Never re-sends a command.
 */
import { OmsError } from "./errors.js";
import type { PackageRecord } from "./package.js";
import type { CallOptions, OmsPort } from "./ports.js";
import type { TransitionConfig, UpdateShipmentCommand, UpdateShipmentOutcome } from "./shipment.js";

export interface UpdateShipmentDeps {
  oms: OmsPort;
  transitions: TransitionConfig;
  /** Reads a package, through the request's loader so a later read of the same package is shared. */
  loadPackage(id: number): Promise<PackageRecord | null>;
  /** Drops the loader's copy once the command changed the package. */
  forgetPackage(id: number): void;
  callOptions?: CallOptions;
}

export async function updateShipment(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
): Promise<UpdateShipmentOutcome> {
  // Most callers name the transition: then there is nothing to look up, and no extra await.
  const transition = command.transitionId ?? (await chooseTransition(deps, command));
  if (typeof transition !== "number") return transition;
  const body = {
    transitionId: transition,
    trackingNumber: command.trackingNumber,
    queryNumber: command.queryNumber,
    cargoCompanyId: command.cargoCompanyId,
  };
  try {
    return await deps.oms.updateShipment(command.packageId, body, deps.callOptions);
  } catch (error) {
    if (error instanceof OmsError && error.code === "OMS_OUTCOME_UNKNOWN") {
      return verify(deps, command, error);
    }
    throw error;
  } finally {
    deps.forgetPackage(command.packageId);
  }
}

// Private: for commands that name no transition; the configured one, by the package's status when
// it depends on it.
async function chooseTransition(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
): Promise<number | UpdateShipmentOutcome> {
  const config = deps.transitions;
  if (config.kind === "single") return config.id;
  const pkg = await deps.loadPackage(command.packageId);
  if (pkg === null) {
    const message = `The OMS has no package ${command.packageId}.`;
    return {
      kind: "invalid",
      message,
      problems: [{ field: "packageId", message, code: "PACKAGE_NOT_FOUND" }],
    };
  }
  const id = config.byStatus.get(pkg.status);
  if (id !== undefined) return id;
  const status = pkg.status === "other" ? pkg.statusName : pkg.status.toUpperCase();
  const message =
    `No shipment transition is configured for packages in status ${status}; ` +
    "the OMS accepts this command for PACKED, SHIPPED, DELIVERED and ATTEMPTED_DELIVERY packages.";
  return {
    kind: "invalid",
    message,
    problems: [{ field: "packageId", message, code: "TRANSITION_NOT_CONFIGURED" }],
  };
}

// Private: the command sets values rather than adding to them, so a package that now holds the
// requested shipment proves the lost answer was a success.
async function verify(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
  lost: OmsError,
): Promise<UpdateShipmentOutcome> {
  let pkg: PackageRecord | null;
  try {
    // One read, not retried: a verification that needs several tries is no evidence either way.
    pkg = await deps.oms.getPackage(command.packageId, { ...deps.callOptions, once: true });
  } catch {
    throw lost;
  }
  const shipment = pkg?.shipment;
  if (
    shipment &&
    shipment.trackingNumber === command.trackingNumber &&
    shipment.cargoCompanyId === command.cargoCompanyId &&
    // A command without a query number clears it, so null must match null too.
    shipment.queryNumber === command.queryNumber
  ) {
    return { kind: "updated", packageId: command.packageId, shipment };
  }
  throw lost;
}
