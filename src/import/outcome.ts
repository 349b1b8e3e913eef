/**
 * What an answer means for a row: done for good, send again, or read the package first. And the
 * message as the person holding the file reads it, in the file's column names.
 */
import type { ItemAnswer } from "./chunk-answer.js";
import type { PackageView, ShipmentInput } from "./client.js";
import type { RowOutcome } from "./journal.js";
import type { Columns } from "./rows.js";

/** An OMS code for "another command on this package is still running": possibly ours. */
const LOCKED = "package_locked";

/** The row's outcome from the gateway's answer for it. */
export function outcomeOf(answer: ItemAnswer, columns: Columns): RowOutcome {
  const message = inColumns(describe(answer), columns);
  const base = { result: answer.result, code: answer.code, message, outcomeKnown: answer.outcomeKnown };
  switch (answer.result) {
    case "ShipmentUpdated":
    case "ValidationError":
      return { ...base, state: "done" };
    case "CommandRejected":
      // The command that holds the lock may be this row's own earlier one, still running.
      return answer.code === LOCKED
        ? { ...base, outcomeKnown: false, state: "verify" }
        : { ...base, state: "done" };
    case "CommandFailed":
      return { ...base, state: answer.outcomeKnown ? "retry" : "verify" };
    default:
      return { ...base, outcomeKnown: false, state: "verify" };
  }
}

/** True when the package shows exactly what the row asks for. */
export function showsInput(view: PackageView | null, input: ShipmentInput): boolean {
  if (view === null) return false;
  return (
    view.trackingNumber === input.trackingNumber.trim() &&
    view.cargoCompanyId === input.cargoCompanyId &&
    (view.queryNumber ?? "") === (input.queryNumber?.trim() ?? "")
  );
}

/** A row found applied by reading its package. */
export const VERIFIED: RowOutcome = {
  state: "done",
  result: "ShipmentUpdated",
  code: "",
  message: "Verified by reading the package: it shows these values, so the row was not sent again.",
  outcomeKnown: true,
};

function describe(answer: ItemAnswer): string {
  if (answer.result !== "ValidationError" || answer.fields.length === 0) return answer.message;
  return answer.fields
    .map((f) => (f.message.startsWith(f.field) ? f.message : `${f.field}: ${f.message}`))
    .join(" ");
}

/** Replaces the GraphQL input's field names with the file's column names. */
export function inColumns(message: string, columns: Columns): string {
  return message
    .replace(/\bpackageId\b/g, columns.packageId)
    .replace(/\bcargoCompanyId\b/g, columns.cargoCompany)
    .replace(/\btrackingNumber\b/g, columns.trackingNumber)
    .replace(/\bqueryNumber\b/g, columns.queryNumber);
}
