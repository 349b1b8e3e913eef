/**
 * Each row's line in the result file, from what happened to it: refused here, or its latest
 * outcome in the journal, or in flight when the run stopped, or not reached at all.
 */
import type { Journal } from "./journal.js";
import type { RowResult } from "./results.js";
import type { ImportRow } from "./rows.js";

/** The row's result, and what comes next for it. */
export function resultOf(
  row: ImportRow,
  journal: Journal,
  errors: ReadonlyMap<ImportRow, { code: string; message: string }>,
): RowResult {
  const base = { line: row.line, packageId: row.packageId, cells: row.cells };
  const refusal = row.refusal ?? errors.get(row);
  if (refusal) return { ...base, result: "ERROR", ...refusal, outcomeKnown: true, next: "fix" };
  const record = journal.rows.get(row.key);
  if (record?.inFlight !== undefined) {
    return {
      ...base,
      result: "PENDING",
      code: "OUTCOME_UNKNOWN",
      message:
        "Sent, but the answer was lost; the next run asks the gateway or reads the package before sending again.",
      outcomeKnown: false,
      next: "verify",
    };
  }
  const outcome = record?.outcome;
  if (outcome === undefined) {
    return {
      ...base,
      result: "PENDING",
      code: "NOT_SENT",
      message: "Not sent yet: the import stopped before this row.",
      outcomeKnown: true,
      next: "resend",
    };
  }
  const next =
    outcome.state === "retry"
      ? "resend"
      : outcome.state === "verify"
        ? "verify"
        : outcome.result === "ShipmentUpdated"
          ? "none"
          : "fix";
  return {
    ...base,
    result: outcome.result,
    code: outcome.code,
    message: outcome.message,
    outcomeKnown: outcome.outcomeKnown,
    next,
  };
}
