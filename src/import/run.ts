/**
 * One import: read the file, decide per row from the journal what is left to do, work in rounds
 * (round.ts, rounds.ts) until nothing is left or the retries run out, then write the result file,
 * the file of rows to fix and the summary, whichever way the rounds ended.
 */
import { resolve } from "node:path";
import { GatewayClient } from "./client.js";
import type { ImportConfig } from "./config.js";
import { type CsvDialect, readDialect } from "./csv.js";
import type { Delimiter } from "./dialect.js";
import { Journal } from "./journal.js";
import { type ProgressOptions, ProgressReporter, type ProgressStream } from "./progress.js";
import { formatSummary, type RowResult, writeResultFile, writeToFixFile } from "./results.js";
import { type ImportStats, Round } from "./round.js";
import { type Ending, type RetryPolicy, runRounds } from "./rounds.js";
import { resultOf } from "./row-result.js";
import type { Header, ImportRow } from "./rows.js";
import { type RowErrors, readRows, resolveCompanies } from "./work.js";

export type { ImportStats, RetryPolicy };

export interface ImportOptions {
  inputPath: string;
  /** The result file; the journal is this path plus `.journal`. */
  outPath: string;
  /** Null: detected from the header. */
  delimiter?: Delimiter | null;
  config: ImportConfig;
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** Aborted to stop after the chunks in flight. */
  interrupt: AbortSignal;
  retry?: RetryPolicy;
  progress?: ProgressOptions;
}

/** How an import ended, when it did not throw. Result files are written in every case. */
export type ImportOutcome =
  | { kind: "finished"; results: RowResult[]; stats: ImportStats; clean: boolean }
  | { kind: "interrupted"; results: RowResult[]; stats: ImportStats }
  | { kind: "failed"; message: string; results: RowResult[]; stats: ImportStats };

/** The import cannot start: the input or output is unusable. Nothing was sent. */
export class UsageError extends Error {
  override name = "UsageError";
}

export function journalPathFor(outPath: string): string {
  return `${outPath}.journal`;
}

export function toFixPathFor(inputPath: string): string {
  return `${inputPath}.to-fix.csv`;
}

/** What one run works with, from opening the journal to writing the files. */
interface RunParts {
  options: ImportOptions;
  header: Header;
  rows: ImportRow[];
  journal: Journal;
  client: GatewayClient;
  progress: ProgressReporter;
  stats: ImportStats;
  errors: RowErrors;
}

/**
 * Runs the import.
 * @throws UsageError, CsvFileError, ImportFileError or JournalError before anything is sent
 */
export async function runImport(options: ImportOptions): Promise<ImportOutcome> {
  refuseToOverwrite(options);
  const dialect = await readDialect(options.inputPath, options.delimiter ?? null).catch((error: Error) => {
    throw new UsageError(`Cannot read ${options.inputPath}: ${error.message}`);
  });
  const { header, rows } = await readRows(options.inputPath, dialect);
  const journal = await Journal.open(journalPathFor(options.outPath));
  const client = new GatewayClient(options.config);
  const progress = new ProgressReporter(options.stderr, rows.length, options.progress);
  const stats: ImportStats = { sent: 0, calls: 0, replayed: 0, verified: 0, fromJournal: 0 };
  const errors: RowErrors = new Map();
  const started = performance.now();
  let ending: Ending;
  try {
    ending = await sendOrCheck({ options, header, rows, journal, client, progress, stats, errors });
  } finally {
    progress.end();
    await client.close();
    await journal.close();
  }
  const results = rows.map((row) => resultOf(row, journal, errors));
  await writeFiles(options, header, dialect, results);
  options.stdout.write(summary(options, results, stats, started));
  if (ending.kind === "finished") {
    const clean = results.every((r) => r.next === "none");
    return { kind: "finished", results, stats, clean };
  }
  return { ...ending, results, stats };
}

// Private: the input must survive whatever the run writes.
function refuseToOverwrite(options: ImportOptions): void {
  for (const other of [options.outPath, toFixPathFor(options.inputPath), journalPathFor(options.outPath)]) {
    if (resolve(options.inputPath) === resolve(other)) {
      throw new UsageError("The result file must not be the input file.");
    }
  }
}

// Private: the rows not done according to the journal, sent or checked in rounds.
async function sendOrCheck(parts: RunParts): Promise<Ending> {
  const { options, header, rows, journal, client, progress, stats, errors } = parts;
  const { config, interrupt } = options;
  if (journal.setAside !== null) {
    progress.note(
      `An older journal was set aside as ${journal.setAside}; rows it may have sent are verified by reading their packages.`,
    );
  }
  const pending = rows.filter(
    (row) => row.values !== null && journal.rows.get(row.key)?.outcome?.state !== "done",
  );
  stats.fromJournal = rows.filter((row) => row.values !== null).length - pending.length;
  const work = await resolveCompanies(pending, header, client, errors);
  progress.note(
    `Importing ${options.inputPath}: ${rows.length} rows, ${work.length} to send or check` +
      (stats.fromJournal > 0 ? `, ${stats.fromJournal} already done (journal ${journal.path}).` : "."),
  );
  progress.begin(rows.length - work.length);
  const verifyUnknown = journal.setAside !== null;
  const { chunkSize, chunksInFlight } = config;
  const round = new Round({
    journal,
    client,
    chunkSize,
    chunksInFlight,
    header,
    progress,
    interrupt,
    stats,
    verifyUnknown,
  });
  const retry = options.retry ?? {
    attempts: config.retryAttempts,
    baseDelayMs: config.retryDelayMs,
    maxDelayMs: config.retryDelayMs * 8,
  };
  return runRounds(round, work, retry, progress, interrupt);
}

async function writeFiles(
  options: ImportOptions,
  header: Header,
  dialect: CsvDialect,
  results: RowResult[],
): Promise<void> {
  await writeResultFile(options.outPath, results);
  await writeToFixFile(toFixPathFor(options.inputPath), header.cells, results, dialect);
}

function summary(options: ImportOptions, results: RowResult[], stats: ImportStats, started: number): string {
  return formatSummary({
    name: options.inputPath,
    inputPath: options.inputPath,
    results,
    ...stats,
    seconds: (performance.now() - started) / 1000,
    outPath: options.outPath,
    toFixPath: toFixPathFor(options.inputPath),
  });
}
