/**
 * The result file and the closing summary. The file has one line per data row of the input, in
 * input order, so it can be laid next to the input in a spreadsheet.
 */
import { rename, writeFile } from "node:fs/promises";
import { formatCsv } from "./csv.js";
import type { ImportRow, RowResult } from "./rows.js";

/** The result file's header. */
export const RESULT_COLUMNS = ["line", "package_id", "result", "code", "message"] as const;

/** Shown in this order, even at zero, so summaries of different runs line up. */
const KNOWN_RESULTS = ["ShipmentUpdated", "ValidationError", "CommandRejected", "CommandFailed", "ERROR"];

/** Writes the result file whole, through a temporary file, so a reader never sees half of it. */
export async function writeResultFile(path: string, results: readonly RowResult[]): Promise<void> {
  const rows = results.map((r) => [String(r.line), r.packageId, r.result, r.code, r.message]);
  await writeFile(`${path}.tmp`, formatCsv([RESULT_COLUMNS, ...rows]));
  await rename(`${path}.tmp`, path);
}

/**
 * One result per row, in file order: answered rows as they were answered, sent rows from their
 * chunk's results.
 */
export function collectResults(
  rows: readonly ImportRow[],
  finished: ReadonlyMap<number, RowResult[]>,
): RowResult[] {
  const byLine = new Map<number, RowResult>();
  for (const results of finished.values()) for (const r of results) byLine.set(r.line, r);
  return rows.map((row) => {
    if (row.kind === "answered") return row.result;
    const result = byLine.get(row.line);
    if (result === undefined) throw new Error(`No result for line ${row.line}.`);
    return result;
  });
}

/** Rows per result. */
export function countResults(results: readonly RowResult[]): Map<string, number> {
  const counts = new Map<string, number>(KNOWN_RESULTS.map((name) => [name, 0]));
  for (const r of results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  return counts;
}

/** What the closing summary tells. */
export interface Summary {
  /** The input file's name. */
  name: string;
  counts: ReadonlyMap<string, number>;
  chunks: number;
  /** Chunks sent in this run, replayed ones included. */
  sent: number;
  replayed: number;
  seconds: number;
  outPath: string;
}

/** The summary printed on stdout at the end of an import. */
export function formatSummary(summary: Summary): string {
  const rows = [...summary.counts.values()].reduce((a, b) => a + b, 0);
  const failed = summary.counts.get("CommandFailed") ?? 0;
  return [
    `Imported ${summary.name}: ${rows} rows.`,
    ...formatCounts(summary.counts),
    `Chunks: ${summary.chunks} (${summary.sent} sent, ${summary.replayed} of them replayed by the gateway, ` +
      `${summary.chunks - summary.sent} from the journal) in ${summary.seconds.toFixed(1)} s.`,
    // The OMS may or may not have applied these; a blind re-import could apply a stale value later.
    ...(failed > 0
      ? [
          `${failed} rows failed in transport (CommandFailed): read those packages before importing them again.`,
        ]
      : []),
    `Results: ${summary.outPath}`,
    "",
  ].join("\n");
}

/** Lines of the summary table, e.g. `  ShipmentUpdated   993`. */
function formatCounts(counts: ReadonlyMap<string, number>): string[] {
  const width = Math.max(...[...counts.keys()].map((k) => k.length));
  const digits = Math.max(...[...counts.values()].map((v) => String(v).length));
  return [...counts].map(([name, n]) => `  ${name.padEnd(width)}  ${String(n).padStart(digits)}`);
}
