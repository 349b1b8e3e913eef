/**
 * The files an import writes beside its input, and its closing summary. The result file has one
 * line per data row, in input order, so it can be laid next to the input in a spreadsheet; the file
 * of rows to fix has only the rows a person must look at, with the input's own columns, ready to be
 * edited and imported again.
 */
import { rename, writeFile } from "node:fs/promises";
import { type CsvDialect, formatCsv } from "./csv.js";

/** The result file's header. */
export const RESULT_COLUMNS = ["line", "package_id", "result", "code", "message", "outcome_known"] as const;

/** One line of the result file. */
export interface RowResult {
  line: number;
  packageId: string;
  /** The gateway's union member; ERROR for a row refused here; PENDING for a row without an outcome yet. */
  result: string;
  code: string;
  message: string;
  /** False when the row may or may not have been applied. */
  outcomeKnown: boolean;
  /** What comes next for the row. */
  next: "none" | "fix" | "resend" | "verify";
  cells: string[];
}

/** Shown in this order, even at zero, so summaries of different runs line up. */
const KNOWN_RESULTS = [
  "ShipmentUpdated",
  "ValidationError",
  "CommandRejected",
  "CommandFailed",
  "ERROR",
  "PENDING",
];

/** Writes a file whole, through a temporary file, so a reader never sees half of it. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}

export async function writeResultFile(path: string, results: readonly RowResult[]): Promise<void> {
  const rows = results.map((r) => [
    String(r.line),
    r.packageId,
    r.result,
    r.code,
    r.message,
    String(r.outcomeKnown),
  ]);
  await replaceFile(path, formatCsv([RESULT_COLUMNS, ...rows]));
}

/** The rows to fix, in the input's delimiter (and byte order mark), with `reason` and `code` added. */
export async function writeToFixFile(
  path: string,
  header: readonly string[],
  results: readonly RowResult[],
  dialect: CsvDialect,
): Promise<void> {
  const rows = results.filter((r) => r.next === "fix").map((r) => [...r.cells, r.message, r.code]);
  const text = formatCsv([[...header, "reason", "code"], ...rows], dialect.delimiter);
  await replaceFile(path, dialect.bom ? `\uFEFF${text}` : text);
}

/** What the closing summary tells. */
export interface Summary {
  name: string;
  inputPath: string;
  results: readonly RowResult[];
  /** Rows sent in this run, and the calls they took. */
  sent: number;
  calls: number;
  replayed: number;
  verified: number;
  fromJournal: number;
  seconds: number;
  outPath: string;
  toFixPath: string;
}

export function countResults(results: readonly RowResult[]): Map<string, number> {
  const counts = new Map<string, number>(KNOWN_RESULTS.map((name) => [name, 0]));
  for (const r of results) counts.set(r.result, (counts.get(r.result) ?? 0) + 1);
  return counts;
}

/** The summary printed on stdout at the end of an import: counts, then one line per thing to do. */
export function formatSummary(s: Summary): string {
  const counts = countResults(s.results);
  const next = (kind: RowResult["next"]) => s.results.filter((r) => r.next === kind);
  const fix = next("fix");
  const resend = next("resend");
  const verify = next("verify");
  const lines = [
    `Imported ${s.name}: ${s.results.length} rows.`,
    ...formatCounts(counts),
    `Sent ${s.sent} rows in ${s.calls} calls (${s.replayed} replayed by the gateway), ` +
      `${s.verified} found applied by reading the package, ${s.fromJournal} already done in the journal; ` +
      `${s.seconds.toFixed(1)} s.`,
  ];
  if (fix.length > 0) {
    lines.push(
      `${fix.length} rows need fixing (${codes(fix)}): correct them in ${s.inputPath} or in ${s.toFixPath} ` +
        "and import that file again; only changed and unfinished rows are sent.",
    );
  }
  if (resend.length > 0) {
    lines.push(
      `${resend.length} rows were not applied (${codes(resend)}): run the same command again to send them.`,
    );
  }
  if (verify.length > 0) {
    lines.push(
      `${verify.length} rows may or may not have been applied (${codes(verify)}): run the same command again; ` +
        "it reads those packages first and sends only the rows not applied.",
    );
  }
  if (fix.length + resend.length + verify.length === 0) lines.push("Every row is done; nothing to fix.");
  lines.push(`Results: ${s.outPath}`, `To fix: ${s.toFixPath}`, "");
  return lines.join("\n");
}

/** `OMS_UNAVAILABLE 3, NOT_SENT 2`, most frequent first. */
function codes(results: readonly RowResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) {
    const code = r.code || r.result;
    counts.set(code, (counts.get(code) ?? 0) + 1);
  }
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([code, n]) => `${code} ${n}`)
    .join(", ");
}

/** Lines of the summary table, e.g. `  ShipmentUpdated   993`. */
function formatCounts(counts: ReadonlyMap<string, number>): string[] {
  const width = Math.max(...[...counts.keys()].map((k) => k.length));
  const digits = Math.max(...[...counts.values()].map((v) => String(v).length));
  return [...counts].map(([name, n]) => `  ${name.padEnd(width)}  ${String(n).padStart(digits)}`);
}
