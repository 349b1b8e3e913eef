/**
 * The use case: choose the transition, send the command once, and when its answer was lost, read the
 * package back once to learn whether it was applied. Never re-sends a command it may have applied.
 *
 * The OMS documents no idempotency key, so whether a command whose answer was lost took effect can
 * only be read off the package. Holding the requested values proves nothing on its own (the package
 * may have held them already), so the proof also needs a change the command makes: the label's or
 * the package's modification time moving past the moment the command was sent, or the values
 * differing from a read taken just before sending.
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
  /**
   * Set when `loadPackage` may answer with a read taken well before the command (a bulk call reads
   * all its packages at once, before its items queue): that read then only chooses the transition,
   * and a verification does not count a difference from it as proof, since another writer may have
   * changed the package since.
   */
  readAhead?: boolean;
  callOptions?: CallOptions;
  /** How far the OMS's clock may lag the gateway's when change times are compared (OMS_CLOCK_SKEW_MS). */
  clockSkewMs: number;
  /**
   * Set when an earlier run of the same request may have sent this command and was interrupted
   * (a lapsed idempotency reservation): when that run began, in epoch ms. A command it applied is
   * answered from the package's state instead of being sent again.
   */
  recoverSince?: number | null;
  /** Called once the OMS may have acted on the command, or gave its verdict on it. */
  onReachedOms?: () => void;
  /** Epoch ms; for tests. */
  now?: () => number;
}

/** What was known of the package just before the command left. */
interface Evidence {
  before: PackageRecord | null;
  sentAt: number;
}

export async function updateShipment(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
): Promise<UpdateShipmentOutcome> {
  if (deps.recoverSince != null) {
    const recovered = await recover(deps, command, deps.recoverSince);
    if (recovered !== null) return recovered;
  }
  let transition = command.transitionId;
  let before: PackageRecord | null = null;
  // Most callers name the transition: then there is nothing to look up, and no read before the command.
  if (transition === null) {
    const chosen = await chooseTransition(deps, command);
    if ("kind" in chosen) return chosen;
    transition = chosen.id;
    before = deps.readAhead ? null : chosen.pkg;
  }
  const sentAt = (deps.now ?? Date.now)();
  try {
    const verdict = await deps.oms.updateShipment(command, transition, deps.callOptions);
    deps.onReachedOms?.();
    return verdict.kind === "applied" ? updated(command) : verdict;
  } catch (error) {
    if (error instanceof OmsError && error.code === "OMS_OUTCOME_UNKNOWN") {
      deps.onReachedOms?.();
      return verify(deps, command, error, { before, sentAt });
    }
    throw error;
  } finally {
    deps.forgetPackage(command.packageId);
  }
}

/** Whether the command needs its package read before it is sent (to choose its transition). */
export function needsPackageRead(transitions: TransitionConfig, command: UpdateShipmentCommand): boolean {
  return command.transitionId === null && transitions.kind === "perStatus";
}

// Private: for commands that name no transition; the configured one, by the package's status when
// it depends on it. The package read here is also the "before" of a later verification.
async function chooseTransition(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
): Promise<{ id: number; pkg: PackageRecord | null } | UpdateShipmentOutcome> {
  const config = deps.transitions;
  if (config.kind === "single") return { id: config.id, pkg: null };
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
  if (id !== undefined) return { id, pkg };
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

// Private: one read, not retried (a verification that needs several tries is no evidence either
// way). Anything short of proof leaves the outcome unknown.
async function verify(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
  lost: OmsError,
  evidence: Evidence,
): Promise<UpdateShipmentOutcome> {
  let pkg: PackageRecord | null;
  try {
    pkg = await deps.oms.getPackage(command.packageId, { ...deps.callOptions, once: true });
  } catch {
    throw lost;
  }
  if (pkg?.shipment && holdsRequested(pkg, command) && changedSince(pkg, evidence, deps.clockSkewMs)) {
    return { kind: "updated", packageId: command.packageId, shipment: pkg.shipment };
  }
  throw lost;
}

// Private: an earlier run of this request was interrupted; before sending, learn from the package
// whether that run's command was applied. null: it was not, send it now.
async function recover(
  deps: UpdateShipmentDeps,
  command: UpdateShipmentCommand,
  since: number,
): Promise<UpdateShipmentOutcome | null> {
  let pkg: PackageRecord | null;
  try {
    pkg = await deps.oms.getPackage(command.packageId, { ...deps.callOptions, once: true });
  } catch (error) {
    deps.onReachedOms?.();
    throw unknownAfterInterruption("the package could not be read to learn whether it was applied", error);
  }
  if (pkg === null || !pkg.shipment || !holdsRequested(pkg, command)) return null;
  const changedAt = markerOf(pkg);
  if (changedAt === null) {
    // The values are there but nothing says when they arrived: sending again could apply it twice.
    deps.onReachedOms?.();
    throw unknownAfterInterruption("the package holds the requested values but shows no change time", null);
  }
  // Values that were there before the earlier run began were not put there by it.
  if (changedAt < since - deps.clockSkewMs) return null;
  deps.onReachedOms?.();
  return { kind: "updated", packageId: command.packageId, shipment: pkg.shipment };
}

/** What the package holds once the command was applied: the values it asked for. */
function updated(command: UpdateShipmentCommand): UpdateShipmentOutcome {
  const { packageId, trackingNumber, queryNumber, cargoCompanyId } = command;
  return { kind: "updated", packageId, shipment: { trackingNumber, queryNumber, cargoCompanyId } };
}

function unknownAfterInterruption(why: string, cause: unknown): OmsError {
  return new OmsError(
    "OMS_OUTCOME_UNKNOWN",
    `An earlier attempt of this request was interrupted and ${why}; the command was not sent again.`,
    { maybeApplied: true, cause },
  );
}

/** The command sets values rather than adding to them; a command without a query number clears it. */
function holdsRequested(pkg: PackageRecord, command: UpdateShipmentCommand): boolean {
  const shipment = pkg.shipment;
  return (
    shipment !== null &&
    shipment.trackingNumber === command.trackingNumber &&
    shipment.cargoCompanyId === command.cargoCompanyId &&
    shipment.queryNumber === command.queryNumber
  );
}

/** Whether `after` shows a change made after the evidence was taken. */
function changedSince(after: PackageRecord, evidence: Evidence, clockSkewMs: number): boolean {
  const changedAt = markerOf(after);
  const { before } = evidence;
  if (before !== null) {
    // The package held other values just before the command: the command put these there.
    if (!sameShipment(before, after)) return true;
    const beforeAt = markerOf(before);
    if (changedAt !== null && beforeAt !== null && changedAt > beforeAt) return true;
  }
  return changedAt !== null && changedAt >= evidence.sentAt - clockSkewMs;
}

/** The newest change time the package shows: its label's (regenerated by the command) or its own. */
function markerOf(pkg: PackageRecord): number | null {
  let newest: number | null = null;
  for (const text of [pkg.label?.updatedAt, pkg.modifiedAt]) {
    if (typeof text !== "string") continue;
    const at = Date.parse(text);
    if (!Number.isNaN(at) && (newest === null || at > newest)) newest = at;
  }
  return newest;
}

function sameShipment(a: PackageRecord, b: PackageRecord): boolean {
  const x = a.shipment;
  const y = b.shipment;
  if (x === null || y === null) return x === y;
  return (
    x.trackingNumber === y.trackingNumber &&
    x.cargoCompanyId === y.cargoCompanyId &&
    x.queryNumber === y.queryNumber
  );
}
