/**
 * The import's journal, beside the result file: one JSON line per event, synced to disk before the
 * import goes on. Before a chunk is sent, a `sent` line names its Idempotency-Key and rows; after
 * the answer, one `row` line per row records its outcome. Outcomes are kept against the row's key
 * (package id and content), never against a line number or the file's digest, so the journal stays
 * right however the file is edited: an edited row is new work, an unchanged one keeps its outcome.
 * A row with a `sent` line but no outcome after it was in flight when the run stopped.
 */
import { type FileHandle, open, readFile, rename, writeFile } from "node:fs/promises";

/** What happens to a row next. */
export type RowState =
  /** A final outcome: ShipmentUpdated, ValidationError or CommandRejected. Never sent again. */
  | "done"
  /** Known not applied (OMS unavailable, rate limited, breaker open, deadline): send again. */
  | "retry"
  /** May have been applied: read the package before sending again. */
  | "verify";

export interface RowOutcome {
  state: RowState;
  result: string;
  code: string;
  message: string;
  outcomeKnown: boolean;
}

/** What the journal knows about one row. */
export interface RowRecord {
  outcome?: RowOutcome;
  /** Times the row was sent, in every run. */
  attempts: number;
  /** The key of the chunk the row was sent in and no outcome recorded since. */
  inFlight?: string;
}

type Line =
  | { v: 2; t: "sent"; chunk: string; rows: string[] }
  | ({ v: 2; t: "row"; row: string; pkg: string } & RowOutcome);

/** The journal cannot be used; the run stops before sending anything. */
export class JournalError extends Error {
  override name = "JournalError";
}

export class Journal {
  private tail: Promise<void> = Promise.resolve();
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    /** Row key → what is known. */
    readonly rows: Map<string, RowRecord>,
    /** Chunk key → its rows' keys in the order sent, for the chunks with rows still in flight. */
    readonly chunks: Map<string, string[]>,
    /** An older journal (one line per chunk) was set aside: its rows' outcomes are not known here. */
    readonly setAside: string | null,
  ) {}

  /**
   * Opens the journal at `path`, creating it when absent, and reads what it holds.
   * @throws JournalError when it cannot be read, written or understood
   */
  static async open(path: string): Promise<Journal> {
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new JournalError(`Cannot read the journal ${path}: ${(error as Error).message}`);
      }
    }
    const { lines, legacy } = parseLines(path, text);
    const rows = new Map<string, RowRecord>();
    const chunks = new Map<string, string[]>();
    for (const line of lines) apply(rows, chunks, line);
    try {
      if (legacy) {
        // A journal of the chunk-per-line kind cannot be matched to rows: set aside, not deleted.
        await rename(path, `${path}.v1`);
      } else if (text !== "" && !text.endsWith("\n")) {
        // A line torn by a crash must not sit in front of the lines appended next.
        await writeFile(`${path}.tmp`, lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
        await rename(`${path}.tmp`, path);
      }
      const handle = await open(path, "a");
      return new Journal(path, handle, rows, chunks, legacy ? `${path}.v1` : null);
    } catch (error) {
      throw new JournalError(`Cannot write the journal ${path}: ${(error as Error).message}`);
    }
  }

  /** Records that these rows are about to be sent under `chunk`, and waits until it is on disk. */
  async sending(chunk: string, rowKeys: readonly string[]): Promise<void> {
    await this.write([{ v: 2, t: "sent", chunk, rows: [...rowKeys] }]);
  }

  /** Records rows' outcomes, and waits until they are on disk. */
  async record(
    outcomes: ReadonlyArray<{ key: string; packageId: string; outcome: RowOutcome }>,
  ): Promise<void> {
    await this.write(
      outcomes.map(({ key, packageId, outcome }) => ({
        v: 2,
        t: "row",
        row: key,
        pkg: packageId,
        ...outcome,
      })),
    );
  }

  /** Closes the file; everything written is already on disk. */
  async close(): Promise<void> {
    await this.handle.close();
  }

  // Private: writes one after another, in the order asked, even with several chunks in flight: a
  // line is applied in memory only once it is on disk, and no write can overtake one before it.
  private write(lines: Line[]): Promise<void> {
    if (lines.length === 0) return Promise.resolve();
    const written = this.tail.then(async () => {
      await this.handle.write(lines.map((l) => `${JSON.stringify(l)}\n`).join(""));
      await this.handle.datasync();
      for (const line of lines) apply(this.rows, this.chunks, line);
    });
    // A failed write fails its caller; the writes after it still run.
    this.tail = written.catch(() => undefined);
    return written;
  }
}

function apply(rows: Map<string, RowRecord>, chunks: Map<string, string[]>, line: Line): void {
  if (line.t === "sent") {
    chunks.set(line.chunk, [...line.rows]);
    for (const key of line.rows) {
      const record = rows.get(key) ?? { attempts: 0 };
      record.attempts++;
      record.inFlight = line.chunk;
      rows.set(key, record);
    }
    return;
  }
  const { state, result, code, message, outcomeKnown } = line;
  const record = rows.get(line.row) ?? { attempts: 0 };
  record.outcome = { state, result, code, message, outcomeKnown };
  delete record.inFlight;
  rows.set(line.row, record);
}

function parseLines(path: string, text: string): { lines: Line[]; legacy: boolean } {
  const raw = text.split("\n");
  const lines: Line[] = [];
  let legacy = false;
  for (const [i, text] of raw.entries()) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      // The last line without a line end was being written when the run was killed: what it
      // recorded never counted, and the rows it named are verified or sent again.
      if (i === raw.length - 1) break;
      throw new JournalError(
        `Line ${i + 1} of the journal ${path} is damaged; move the file away to start afresh.`,
      );
    }
    const line = value as Partial<Line>;
    if ((value as { v?: unknown } | null)?.v === 1) {
      legacy = true;
      continue;
    }
    if (!isLine(line)) {
      throw new JournalError(
        `Line ${i + 1} of the journal ${path} is not a journal entry; move the file away to start afresh.`,
      );
    }
    lines.push(line);
  }
  return { lines, legacy };
}

function isLine(value: Partial<Line>): value is Line {
  if (value === null || typeof value !== "object" || value.v !== 2) return false;
  if (value.t === "sent") return typeof value.chunk === "string" && Array.isArray(value.rows);
  return (
    value.t === "row" &&
    typeof value.row === "string" &&
    ["done", "retry", "verify"].includes(value.state as string) &&
    typeof value.result === "string"
  );
}
