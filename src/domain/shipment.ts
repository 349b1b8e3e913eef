/**
 * The "update shipment info" command and its business outcomes. Transport failures are not outcomes:
 * they are thrown as OmsError (see errors.ts).
 */
import type { PackageStatus, Shipment } from "./package.js";

/** What a caller asks for, already validated. */
export interface UpdateShipmentCommand {
  packageId: number;
  cargoCompanyId: number;
  trackingNumber: string;
  queryNumber: string | null;
  /** Overrides the configured transition. */
  transitionId: number | null;
}

/** The input fields a business error can point at. */
export type CommandField = "packageId" | "cargoCompanyId" | "trackingNumber" | "queryNumber" | "transitionId";

export interface FieldProblem {
  /** null: the problem concerns the input as a whole. */
  field: CommandField | null;
  message: string;
  code: string;
}

/** Which transition the command uses when the caller names none. */
export type TransitionConfig =
  | { kind: "single"; id: number }
  | { kind: "perStatus"; byStatus: ReadonlyMap<PackageStatus, number> };

export type InvalidCommand = { kind: "invalid"; message: string; problems: FieldProblem[] };
export type RejectedCommand = { kind: "rejected"; packageId: number; code: string; message: string };

export type UpdateShipmentOutcome =
  | { kind: "updated"; packageId: number; shipment: Shipment }
  | InvalidCommand
  | RejectedCommand;

/**
 * What the OMS answered to one command: it applied it, or said why not. What was applied is the
 * command's own values, so the use case, not the adapter, turns "applied" into an outcome.
 */
export type CommandVerdict = { kind: "applied" } | InvalidCommand | RejectedCommand;
