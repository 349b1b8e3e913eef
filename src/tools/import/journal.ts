/**
 * The import's journal: one JSON line per finished chunk with its results, written and synced to
 * disk before the next chunk is sent. A resumed run skips every chunk in it, so packages are not
 * commanded again even when the gateway no longer remembers the chunk's Idempotency-Key.
 */
import { type FileHandle, open, readFile, rename, writeFile } from "node:fs/promises";
import type { RowResult } from "./rows.js";

/** One finished chunk. */
export interface JournalEntry {
  v: 1;
  /** The SHA-256 of the input file the chunk came from. */
  file: string;
  chunkSize: number;
  chunk: number;
  key: string;
  results: RowResult[];
}

/** The journal cannot be used; the run stops before sending anything. */
export class JournalError extends Error {
  override name = "JournalError";
}

/** What an opened journal already holds. */
export interface OpenedJournal {
  journal: Journal;
  /** Finished chunks of this input file, in the order they were written. */
  entries: JournalEntry[];
  /** Set when a journal of another version of the file was set aside. */
  discarded: boolean;
}

/** An append-only journal file. */
export class Journal {
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /**
   * Opens the journal at `path` for the file with SHA-256 `digest`, creating it when absent.
   * Entries of another file mean the input changed, so they are dropped and the import starts afresh.
   * @throws JournalError when the file cannot be read, written or understood.
   */
  static async open(path: string, digest: string): Promise<OpenedJournal> {
    let text = "";
    try {
      text = await readFile(path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
        throw new JournalError(`Cannot read the journal ${path}: ${(error as Error).message}`);
      }
    }
    const all = parseEntries(path, text);
    const entries = all.filter((entry) => entry.file === digest);
    if (entries.length > 0 && entries.length < all.length) {
      throw new JournalError(`The journal ${path} mixes several input files; move it away to start afresh.`);
    }
    const discarded = all.length > 0 && entries.length === 0;
    try {
      // Rewritten whole (and atomically) so that a line torn by a crash, or another file's entries,
      // never sit in front of the lines appended next.
      const kept = entries.map((entry) => `${JSON.stringify(entry)}\n`).join("");
      if (kept !== text) {
        await writeFile(`${path}.tmp`, kept);
        await rename(`${path}.tmp`, path);
      }
      const handle = await open(path, "a");
      return { journal: new Journal(path, handle), entries, discarded };
    } catch (error) {
      throw new JournalError(`Cannot write the journal ${path}: ${(error as Error).message}`);
    }
  }

  /** Appends one finished chunk and waits until it is on disk. */
  async append(entry: JournalEntry): Promise<void> {
    await this.handle.write(`${JSON.stringify(entry)}\n`);
    await this.handle.datasync();
  }

  /** Closes the file; every appended entry is already on disk. */
  async close(): Promise<void> {
    await this.handle.close();
  }
}

function parseEntries(path: string, text: string): JournalEntry[] {
  const lines = text.split("\n");
  const entries: JournalEntry[] = [];
  for (const [i, line] of lines.entries()) {
    if (line.trim() === "") continue;
    const entry = parseEntry(line);
    if (entry !== null) {
      entries.push(entry);
    } else if (i === lines.length - 1) {
      // The last line has no line end: the run was killed while writing it, so its chunk never
      // counted as finished. That chunk is sent again under the same key and replayed.
      break;
    } else {
      throw new JournalError(
        `Line ${i + 1} of the journal ${path} is damaged; move the file away to start afresh.`,
      );
    }
  }
  return entries;
}

function parseEntry(line: string): JournalEntry | null {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  const entry = value as Partial<JournalEntry> | null;
  const ok =
    entry !== null &&
    typeof entry === "object" &&
    entry.v === 1 &&
    typeof entry.file === "string" &&
    Number.isSafeInteger(entry.chunkSize) &&
    Number.isSafeInteger(entry.chunk) &&
    typeof entry.key === "string" &&
    Array.isArray(entry.results);
  return ok ? (entry as JournalEntry) : null;
}
