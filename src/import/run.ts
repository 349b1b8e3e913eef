/**
 * One import: read the file, decide per row from the journal what is left to do, then work in
 * rounds until nothing is left or the retries run out. A round first settles the rows whose chunk
 * was in flight when an earlier attempt stopped (the gateway still holding the chunk's key replays
 * it; otherwise the packages are read), reads the packages of rows whose outcome is unknown, and
 * sends the rest in chunks. Rows known not applied wait for the next round, with backoff between
 * rounds; whatever is left when the run ends is picked up by the next run.
 */
import { resolve } from "node:path";
import pRetry, { AbortError } from "p-retry";
import { type CargoCompanyEntry, needsLookup, resolveCargoCompany } from "./carriers.js";
import { chunkKey } from "./chunks.js";
import { ChunkRefused, GatewayClient, READ_BATCH, type ShipmentInput } from "./client.js";
import type { ImportConfig } from "./config.js";
import { type CsvDialect, readCsv, readDialect } from "./csv.js";
import type { Delimiter } from "./dialect.js";
import { Journal, type RowOutcome } from "./journal.js";
import { outcomeOf, showsInput, VERIFIED } from "./outcome.js";
import { type ProgressOptions, ProgressReporter, type ProgressStream } from "./progress.js";
import { formatSummary, type RowResult, writeResultFile, writeToFixFile } from "./results.js";
import { type Header, type ImportRow, RowReader, readHeader } from "./rows.js";

/** How rows known not applied are tried again within one run. */
export interface RetryPolicy {
  /** Rounds in all, the first included. */
  attempts: number;
  /** The wait before the second round; doubled for each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ImportOptions {
  inputPath: string;
  /** The result file; the journal is this path plus `.journal`. */
  outPath: string;
  /** Null: detected from the header. */
  delimiter?: Delimiter | null;
  config: ImportConfig;
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** Aborted to stop after the chunk in flight. */
  interrupt: AbortSignal;
  retry?: RetryPolicy;
  progress?: ProgressOptions;
}

export interface ImportStats {
  /** Rows sent in this run, and the calls they took. */
  sent: number;
  calls: number;
  replayed: number;
  verified: number;
  fromJournal: number;
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

/** A row that goes to the gateway: its input once the cargo company is known. */
interface Work {
  row: ImportRow;
  input: ShipmentInput;
}

/** Thrown at the end of a round that left rows to try again. */
class RowsLeft extends Error {
  override name = "RowsLeft";
}

/**
 * Runs the import.
 * @throws UsageError, CsvFileError, ImportFileError or JournalError before anything is sent
 */
export async function runImport(options: ImportOptions): Promise<ImportOutcome> {
  const { config, interrupt } = options;
  for (const other of [options.outPath, toFixPathFor(options.inputPath), journalPathFor(options.outPath)]) {
    if (resolve(options.inputPath) === resolve(other)) {
      throw new UsageError("The result file must not be the input file.");
    }
  }
  const dialect = await readDialect(options.inputPath, options.delimiter ?? null).catch((error: Error) => {
    throw new UsageError(`Cannot read ${options.inputPath}: ${error.message}`);
  });
  const { header, rows } = await readRows(options.inputPath, dialect);
  const journal = await Journal.open(journalPathFor(options.outPath));
  const client = new GatewayClient(config);
  const progress = new ProgressReporter(options.stderr, rows.length, options.progress);
  const stats: ImportStats = { sent: 0, calls: 0, replayed: 0, verified: 0, fromJournal: 0 };
  const errors = new Map<ImportRow, { code: string; message: string }>();
  const started = performance.now();
  let ending: { kind: "finished" } | { kind: "interrupted" } | { kind: "failed"; message: string } = {
    kind: "finished",
  };
  try {
    const name = options.inputPath;
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
      `Importing ${name}: ${rows.length} rows, ${work.length} to send or check` +
        (stats.fromJournal > 0 ? `, ${stats.fromJournal} already done (journal ${journal.path}).` : "."),
    );
    progress.begin(rows.length - work.length);

    const round = new Round(
      journal,
      client,
      config.chunkSize,
      header,
      progress,
      interrupt,
      stats,
      journal.setAside !== null,
    );
    const retry = options.retry ?? {
      attempts: config.retryAttempts,
      baseDelayMs: config.retryDelayMs,
      maxDelayMs: config.retryDelayMs * 8,
    };
    try {
      await pRetry(
        async () => {
          await round.run(work);
          const left = round.left(work);
          if (left > 0 && !interrupt.aborted) throw new RowsLeft(`${left} rows are not done yet`);
        },
        {
          retries: retry.attempts - 1,
          factor: 2,
          minTimeout: retry.baseDelayMs,
          maxTimeout: retry.maxDelayMs,
          randomize: false,
          signal: interrupt,
          shouldRetry: ({ error }) => error instanceof RowsLeft,
          onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
            if (!(error instanceof RowsLeft) || retriesLeft === 0) return;
            const delay = Math.min(retry.baseDelayMs * 2 ** (attemptNumber - 1), retry.maxDelayMs);
            progress.note(
              `${error.message} (${round.lastReason() ?? "known not applied"}); trying them again in ${formatDelay(delay)} ` +
                `(round ${attemptNumber + 1} of ${retry.attempts}).`,
            );
          },
        },
      );
    } catch (error) {
      if (interrupt.aborted) {
        ending = { kind: "interrupted" };
      } else if (error instanceof AbortError || error instanceof ChunkRefused) {
        ending = {
          kind: "failed",
          message: (error instanceof AbortError ? error.originalError : error).message,
        };
      } else if (!(error instanceof RowsLeft)) {
        throw error;
      }
    }
    if (interrupt.aborted) ending = { kind: "interrupted" };
  } finally {
    progress.end();
    await client.close();
    await journal.close();
  }

  const results = rows.map((row) => resultOf(row, journal, errors));
  await writeResultFile(options.outPath, results);
  const toFixPath = toFixPathFor(options.inputPath);
  await writeToFixFile(toFixPath, header.cells, results, dialect);
  options.stdout.write(
    formatSummary({
      name: options.inputPath,
      inputPath: options.inputPath,
      results,
      ...stats,
      seconds: (performance.now() - started) / 1000,
      outPath: options.outPath,
      toFixPath,
    }),
  );
  if (ending.kind === "finished") {
    const clean = results.every((r) => r.next === "none");
    return { kind: "finished", results, stats, clean };
  }
  return { ...ending, results, stats };
}

async function readRows(path: string, dialect: CsvDialect): Promise<{ header: Header; rows: ImportRow[] }> {
  let header: Header | undefined;
  let reader: RowReader | undefined;
  const rows: ImportRow[] = [];
  await readCsv(path, dialect, (record) => {
    if (reader === undefined) {
      header = readHeader(record);
      reader = new RowReader(header);
    } else {
      rows.push(reader.read(record));
    }
  });
  return { header: header ?? readHeader(undefined), rows };
}

/** Each row's input, its cargo company looked up when the cell is a name or code. */
async function resolveCompanies(
  rows: ImportRow[],
  header: Header,
  client: GatewayClient,
  errors: Map<ImportRow, { code: string; message: string }>,
): Promise<Work[]> {
  let companies: CargoCompanyEntry[] = [];
  if (rows.some((row) => row.values !== null && needsLookup(row.values.cargoCompany))) {
    try {
      companies = await client.cargoCompanies();
    } catch (error) {
      throw new AbortError(
        `Cannot read the cargo company list from the gateway: ${(error as Error).message}`,
      );
    }
  }
  const work: Work[] = [];
  for (const row of rows) {
    const values = row.values;
    if (values === null) continue;
    const found = resolveCargoCompany(values.cargoCompany, companies, header.columns.cargoCompany);
    if ("code" in found) {
      errors.set(row, found);
      continue;
    }
    const input: ShipmentInput = {
      packageId: values.packageId,
      cargoCompanyId: found.id,
      trackingNumber: values.trackingNumber,
    };
    if (values.queryNumber !== undefined) input.queryNumber = values.queryNumber;
    work.push({ row, input });
  }
  return work;
}

/** One pass over the rows not done yet; see the module comment. */
class Round {
  private reason: string | null = null;

  constructor(
    private readonly journal: Journal,
    private readonly client: GatewayClient,
    private readonly chunkSize: number,
    private readonly header: Header,
    private readonly progress: ProgressReporter,
    private readonly interrupt: AbortSignal,
    private readonly stats: ImportStats,
    /** Rows without a journal record may have been sent by a run whose journal was set aside. */
    private readonly verifyUnknown: boolean,
  ) {}

  /** Rows not done. */
  left(work: readonly Work[]): number {
    return work.filter((w) => this.journal.rows.get(w.row.key)?.outcome?.state !== "done").length;
  }

  lastReason(): string | null {
    return this.reason;
  }

  async run(work: readonly Work[]): Promise<void> {
    this.reason = null;
    const open = work.filter((w) => this.journal.rows.get(w.row.key)?.outcome?.state !== "done");
    const byKey = new Map(open.map((w) => [w.row.key, w]));
    const toVerify: Work[] = [];
    const toSend: Work[] = [];
    const settled = new Set<string>();
    // Rows of a chunk that was in flight: replayed under its key when the gateway still holds it.
    for (const w of open) {
      const record = this.journal.rows.get(w.row.key);
      const chunk = record?.inFlight;
      if (chunk === undefined || settled.has(chunk)) continue;
      settled.add(chunk);
      if (this.interrupt.aborted) return;
      const members = (this.journal.chunks.get(chunk) ?? []).map((key) => byKey.get(key));
      const whole = members.every(
        (m) => m !== undefined && this.journal.rows.get(m.row.key)?.inFlight === chunk,
      );
      const holds = whole ? await this.client.holds(chunk) : false;
      if (holds === "unreachable") {
        this.reason = "the gateway cannot be reached";
        continue;
      }
      if (holds) {
        await this.send(chunk, members as Work[]);
      } else {
        for (const m of members)
          if (m !== undefined && this.journal.rows.get(m.row.key)?.inFlight === chunk) toVerify.push(m);
      }
    }
    for (const w of open) {
      const record = this.journal.rows.get(w.row.key);
      if (record?.inFlight !== undefined) continue;
      if (record?.outcome?.state === "done") continue;
      if (record?.outcome?.state === "verify" || (record === undefined && this.verifyUnknown))
        toVerify.push(w);
      else if (!toVerify.includes(w)) toSend.push(w);
    }
    toSend.push(...(await this.verify(toVerify)));
    toSend.sort((a, b) => a.row.line - b.row.line);
    for (let i = 0; i < toSend.length; i += this.chunkSize) {
      if (this.interrupt.aborted) return;
      const chunk = toSend.slice(i, i + this.chunkSize);
      const attempts = chunk.map((w) => this.journal.rows.get(w.row.key)?.attempts ?? 0);
      await this.send(
        chunkKey(
          chunk.map((w) => w.input),
          attempts,
        ),
        chunk,
      );
    }
  }

  /** Reads the packages; rows they show applied are done, the others are returned to be sent. */
  private async verify(rows: Work[]): Promise<Work[]> {
    const unapplied: Work[] = [];
    for (let i = 0; i < rows.length; i += READ_BATCH) {
      if (this.interrupt.aborted) return unapplied;
      const batch = rows.slice(i, i + READ_BATCH);
      let views: Awaited<ReturnType<GatewayClient["readPackages"]>>;
      try {
        views = await this.client.readPackages(batch.map((w) => w.input.packageId));
      } catch (error) {
        // Not sent blind: they wait for a read that works.
        this.reason = `reading packages failed: ${(error as Error).message}`;
        continue;
      }
      const applied = batch.filter((w) => showsInput(views.get(w.input.packageId) ?? null, w.input));
      await this.journal.record(
        applied.map((w) => ({ key: w.row.key, packageId: w.row.packageId, outcome: VERIFIED })),
      );
      this.stats.verified += applied.length;
      this.progress.advance(applied.length);
      unapplied.push(...batch.filter((w) => !applied.includes(w)));
    }
    return unapplied;
  }

  /** Sends one chunk under `key`, journaled before and after. */
  private async send(key: string, chunk: Work[]): Promise<void> {
    await this.journal.sending(
      key,
      chunk.map((w) => w.row.key),
    );
    const attempt = await this.client.send(
      key,
      chunk.map((w) => w.input),
    );
    this.stats.calls++;
    if (attempt.kind === "lost") {
      // Left in flight: the next round asks whether the gateway holds the key, or reads.
      this.reason = attempt.reason;
      return;
    }
    let outcomes: RowOutcome[];
    if (attempt.kind === "notSent") {
      this.reason = attempt.reason;
      const outcome: RowOutcome = {
        state: "retry",
        result: "PENDING",
        code: "GATEWAY_UNAVAILABLE",
        message: `Not sent: ${attempt.reason}.`,
        outcomeKnown: true,
      };
      outcomes = chunk.map(() => outcome);
    } else {
      this.stats.sent += chunk.length;
      if (attempt.replayed || attempt.recovered) this.stats.replayed++;
      outcomes = attempt.items.map((item) => outcomeOf(item, this.header.columns));
      const retried = outcomes.find((o) => o.state !== "done");
      if (retried) this.reason = retried.code;
    }
    await this.journal.record(
      chunk.map((w, i) => ({
        key: w.row.key,
        packageId: w.row.packageId,
        outcome: outcomes[i] as RowOutcome,
      })),
    );
    this.progress.advance(outcomes.filter((o) => o.state === "done").length);
  }
}

function resultOf(
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

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
