/**
 * The audit's report: one row per fault, the final answers the items got, what the OMS applied, and
 * the violations; then every violation in full.
 */

import type { ItemVerdict, Violation } from "./checker.js";
import { ANSWER_CLASSES } from "./classify.js";

const COLUMNS = ["fault", "items", ...ANSWER_CLASSES, "applied", "sent>1", "memory restart", "violations"];

export function formatTable(verdicts: readonly ItemVerdict[]): string {
  const rows = new Map<string, number[]>();
  for (const v of verdicts) {
    const row = rows.get(v.label) ?? new Array<number>(COLUMNS.length - 1).fill(0);
    row[0] = (row[0] ?? 0) + 1;
    const classIndex = ANSWER_CLASSES.indexOf(v.final);
    row[1 + classIndex] = (row[1 + classIndex] ?? 0) + 1;
    const after = 1 + ANSWER_CLASSES.length;
    if (v.applied > 0) row[after] = (row[after] ?? 0) + 1;
    if (v.sent > 1) row[after + 1] = (row[after + 1] ?? 0) + 1;
    if (v.memoryRestart) row[after + 2] = (row[after + 2] ?? 0) + 1;
    row[after + 3] = (row[after + 3] ?? 0) + v.violations.length;
    rows.set(v.label, row);
  }
  const body = [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([label, counts]) => [label, ...counts.map(String)]);
  const totals = COLUMNS.slice(1).map((_, i) =>
    String(body.reduce((sum, row) => sum + Number(row[i + 1]), 0)),
  );
  const table = [COLUMNS, ...body, ["total", ...totals]];
  const widths = COLUMNS.map((_, i) => Math.max(...table.map((row) => (row[i] ?? "").length)));
  const line = (row: string[]) =>
    row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  ");
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(COLUMNS), rule, ...body.map(line), rule, line(["total", ...totals])].join("\n");
}

/** Violations by kind, e.g. "applied-twice: 3, not-run-but-ran: 1". */
export function summarise(violations: readonly Violation[]): string {
  const counts = new Map<string, number>();
  for (const v of violations) counts.set(v.kind, (counts.get(v.kind) ?? 0) + 1);
  return [...counts.entries()].map(([kind, n]) => `${kind}: ${n}`).join(", ") || "none";
}

export function formatViolations(violations: readonly Violation[], limit = 50): string {
  const shown = violations
    .slice(0, limit)
    .map(
      (v) => `- [${v.kind}] request ${v.requestId}, package ${v.packageId}, fault ${v.label}: ${v.detail}`,
    );
  if (violations.length > limit) shown.push(`... and ${violations.length - limit} more`);
  return shown.join("\n");
}
