/**
 * The faults the counting OMS can give a shipment command, and what each does: whether the
 * command is applied, and how (or whether) it is answered.
 */

export const COMMAND_FAULTS = [
  "normal",
  "204-then-read-fails",
  "5xx-after-apply",
  "5xx-before-apply",
  "hang-after-apply",
  "hang-before-apply",
  "late-406",
  "reset-after-apply",
  "reset-before-apply",
  "400",
  "406",
  "holds-values-hang",
  "holds-values-5xx",
  "holds-values-late-406",
] as const;

/** What the planned command gets. The `holds-values-*` faults never apply the command: the package already holds its values. */
export type CommandFault = (typeof COMMAND_FAULTS)[number];

export interface ShipmentValues {
  awb_number: string;
  query_number: string | null;
  cargo_company: number;
}

export interface PlannedCommand {
  fault: CommandFault;
  /** The 5xx status of the `5xx-*` faults. */
  status?: number;
  /** Waits this long before handling the command, so it is still running when something else happens. */
  delayMs?: number;
}

export interface CommandRecord {
  packageId: number;
  awb: string;
  body: unknown;
  /** Epoch milliseconds. */
  receivedAt: number;
  /** The planned fault, `breaker-storm`, or `normal` for a re-send. */
  fault: CommandFault | "breaker-storm";
  applied: boolean;
  /** The status the OMS answered with; null while none, or never (a hang, a reset). */
  answered: number | null;
}

export type Answer = 204 | 400 | 406 | "5xx" | "hang" | "reset" | "late-406";

/** What each fault does: whether the command is applied, and how it is answered. */
export const ACTIONS: Readonly<Record<CommandFault | "breaker-storm", { apply: boolean; answer: Answer }>> = {
  normal: { apply: true, answer: 204 },
  "204-then-read-fails": { apply: true, answer: 204 },
  "5xx-after-apply": { apply: true, answer: "5xx" },
  "5xx-before-apply": { apply: false, answer: "5xx" },
  "breaker-storm": { apply: false, answer: "5xx" },
  "hang-after-apply": { apply: true, answer: "hang" },
  "hang-before-apply": { apply: false, answer: "hang" },
  "late-406": { apply: false, answer: "late-406" },
  "reset-after-apply": { apply: true, answer: "reset" },
  "reset-before-apply": { apply: false, answer: "reset" },
  "400": { apply: false, answer: 400 },
  "406": { apply: false, answer: 406 },
  "holds-values-hang": { apply: false, answer: "hang" },
  "holds-values-5xx": { apply: false, answer: "5xx" },
  "holds-values-late-406": { apply: false, answer: "late-406" },
};

export const ERROR_BODIES: Readonly<Record<number, unknown>> = {
  400: { error: { awb_number: ["Not a valid number."] }, status_code: 400 },
  406: { error: { code: "transition_state_mismatch", message: "Wrong state." } },
};
