/**
 * One import from input file to result file: read and check the rows, skip the chunks the journal
 * has, send the others one after another, journal each, then write the results and the summary.
 */
import { readFile } from "node:fs/promises";
import { basename, resolve } from "node:path";
import type { ImportConfig } from "../../config.js";
import { type Chunk, chunkInputs, fileDigest, planChunks } from "./chunks.js";
import { ChunkError, DEFAULT_RETRY, GatewayClient, type RetryPolicy, sendWithRetry } from "./client.js";
import { parseCsv } from "./csv.js";
import { Journal, type JournalEntry, JournalError } from "./journal.js";
import { type ProgressOptions, ProgressReporter, type ProgressStream } from "./progress.js";
import { collectResults, countResults, formatSummary, writeResultFile } from "./results.js";
import { type RowResult, toImportRows } from "./rows.js";

/** Everything one import needs; the entry point fills it from the command line and environment. */
export interface ImportOptions {
  inputPath: string;
  /** The result file; the journal is this path plus `.journal`. */
  outPath: string;
  config: ImportConfig;
  stdout: { write(text: string): unknown };
  stderr: ProgressStream;
  /** Aborted to stop after the chunk in flight. */
  interrupt: AbortSignal;
  retry?: RetryPolicy;
  progress?: ProgressOptions;
}

/** How an import ended, when it did not throw. */
export type ImportOutcome =
  | { kind: "done"; counts: Map<string, number>; sent: number; replayed: number; fromJournal: number }
  | { kind: "interrupted" }
  | { kind: "failed"; message: string };

/** The import cannot start: the input or output is unusable. Nothing was sent. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** The journal that goes with a result file. */
export function journalPathFor(outPath: string): string {
  return `${outPath}.journal`;
}

/**
 * Runs the import.
 * @throws UsageError, ImportFileError or JournalError before anything is sent
 */
export async function runImport(options: ImportOptions): Promise<ImportOutcome> {
  const { config, stderr, interrupt } = options;
  if (resolve(options.inputPath) === resolve(options.outPath)) {
    throw new UsageError("The result file must not be the input file.");
  }
  const bytes = await readInput(options.inputPath);
  const digest = fileDigest(bytes);
  const rows = toImportRows(parseCsv(decode(bytes, options.inputPath)));
  const { journal, entries, discarded } = await Journal.open(journalPathFor(options.outPath), digest);
  const progress = new ProgressReporter(stderr, rows.length, options.progress);
  try {
    const chunkSize = entries[0]?.chunkSize ?? config.chunkSize;
    const chunks = planChunks(rows, digest, chunkSize);
    const finished = finishedChunks(entries, chunks, journal.path);
    const name = basename(options.inputPath);
    if (discarded)
      progress.note(`The journal ${journal.path} was for another version of ${name}; starting afresh.`);
    if (chunkSize !== config.chunkSize) {
      progress.note(
        `Resuming with the journal's chunk size ${chunkSize} (IMPORT_CHUNK_SIZE is ${config.chunkSize}).`,
      );
    }
    const toSend = chunks.filter((c) => !finished.has(c.index));
    const sending = toSend.reduce((n, c) => n + c.rows.length, 0);
    progress.note(
      `Importing ${name}: ${rows.length} rows, ${chunks.length} chunks of up to ${chunkSize}` +
        (finished.size > 0 ? `; ${finished.size} chunks already done (journal ${journal.path}).` : "."),
    );
    progress.begin(rows.length - sending);

    const retry = options.retry ?? DEFAULT_RETRY;
    const started = performance.now();
    const client = new GatewayClient(config);
    let replayed = 0;
    try {
      for (const chunk of toSend) {
        if (interrupt.aborted) return interrupted(progress, finished.size, chunks.length);
        let answer: Awaited<ReturnType<typeof sendWithRetry>>;
        try {
          answer = await sendWithRetry(
            client,
            chunk.key,
            chunkInputs(chunk),
            retry,
            (error, attempt, delayMs) =>
              progress.note(
                `Chunk ${describe(chunk, chunks.length)} failed: ${error.message.replace(/\.$/, "")}; ` +
                  `retrying in ${formatDelay(delayMs)} (attempt ${attempt + 1} of ${retry.attempts}).`,
              ),
            interrupt,
          );
        } catch (error) {
          if (!(error instanceof ChunkError)) throw error;
          if (interrupt.aborted) return interrupted(progress, finished.size, chunks.length);
          return {
            kind: "failed",
            message:
              `Chunk ${describe(chunk, chunks.length)} failed: ${error.message}\n` +
              `${finished.size} of ${chunks.length} chunks are done and kept in ${journal.path}; ` +
              "run the same command again to resume.",
          };
        }
        if (answer.replayed) replayed++;
        const results = chunk.rows.map((row, i) => ({
          line: row.line,
          packageId: row.packageId,
          ...(answer.items[i] as { result: string; code: string; message: string }),
        }));
        const entry: JournalEntry = {
          v: 1,
          file: digest,
          chunkSize,
          chunk: chunk.index,
          key: chunk.key,
          results,
        };
        await journal.append(entry);
        finished.set(chunk.index, results);
        progress.advance(chunk.rows.length);
      }
    } finally {
      await client.close();
    }
    progress.end();

    const results = collectResults(rows, finished);
    await writeResultFile(options.outPath, results);
    const counts = countResults(results);
    options.stdout.write(
      formatSummary({
        name,
        counts,
        chunks: chunks.length,
        sent: toSend.length,
        replayed,
        seconds: (performance.now() - started) / 1000,
        outPath: options.outPath,
      }),
    );
    return {
      kind: "done",
      counts,
      sent: toSend.length,
      replayed,
      fromJournal: chunks.length - toSend.length,
    };
  } finally {
    progress.end();
    await journal.close();
  }
}

/** The chunks the journal holds, checked against the chunks of this file. */
function finishedChunks(entries: JournalEntry[], chunks: Chunk[], path: string): Map<number, RowResult[]> {
  const finished = new Map<number, RowResult[]>();
  for (const entry of entries) {
    const chunk = chunks[entry.chunk];
    const matches =
      chunk !== undefined &&
      entry.chunkSize === entries[0]?.chunkSize &&
      entry.key === chunk.key &&
      entry.results.length === chunk.rows.length &&
      entry.results.every((r, i) => r.line === chunk.rows[i]?.line);
    if (!matches) {
      throw new JournalError(
        `The journal ${path} does not match the chunks of this file (chunk ${entry.chunk}); move it away to start afresh.`,
      );
    }
    finished.set(entry.chunk, entry.results);
  }
  return finished;
}

function interrupted(progress: ProgressReporter, done: number, total: number): ImportOutcome {
  progress.end();
  progress.note(
    `Interrupted: ${done} of ${total} chunks are done and journaled; run the same command again to resume.`,
  );
  return { kind: "interrupted" };
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

function describe(chunk: Chunk, total: number): string {
  const first = chunk.rows[0]?.line;
  const last = chunk.rows.at(-1)?.line;
  return `${chunk.index + 1} of ${total} (lines ${first}-${last})`;
}

async function readInput(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read ${path}: ${(error as Error).message}`);
  }
}

function decode(bytes: Buffer, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new UsageError(`${path} is not UTF-8 text; save it as "CSV UTF-8" and try again.`);
  }
}
