/**
 * Whether a package can take the update-shipment command, told without trying it: for a screen that
 * shows or hides its button.
 */
import type { PackageStatus } from "./package.js";
import type { TransitionConfig } from "./shipment.js";

/** The statuses in which the OMS accepts the command (Akinon's documentation of the command). */
const SHIPMENT_UPDATABLE_STATUSES: ReadonlySet<PackageStatus> = new Set<PackageStatus>([
  "packed",
  "shipped",
  "delivered",
  "attempted_delivery",
]);

/** True when the OMS accepts the command in this status and a transition is configured for it. */
export function canUpdateShipment(status: PackageStatus, transitions: TransitionConfig): boolean {
  if (!SHIPMENT_UPDATABLE_STATUSES.has(status)) return false;
  return transitions.kind === "single" || transitions.byStatus.has(status);
}
