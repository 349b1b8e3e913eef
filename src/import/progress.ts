/**
 * Progress of an import on stderr: a bar redrawn in place on a terminal, and a plain line every few
 * seconds otherwise, so that a log file collected from a scheduled run stays readable.
 */

/** The part of a stream the reporter uses; process.stderr in `npm run import`. */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Reporter settings, for tests. */
export interface ProgressOptions {
  /** Least time between two plain lines; default 2 s. */
  intervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 20;

/** Counts rows as chunks finish and shows rate and time left. */
export class ProgressReporter {
  private done = 0;
  /** Rows already accounted for when this run started; they do not count towards the rate. */
  private startedWith = 0;
  private readonly startedAt: number;
  private lastLineAt = Number.NEGATIVE_INFINITY;
  private readonly tty: boolean;
  /** The bar is on screen, between begin() and end(). */
  private drawn = false;
  private readonly intervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly stream: ProgressStream,
    private readonly total: number,
    options: ProgressOptions = {},
  ) {
    this.tty = stream.isTTY === true;
    this.intervalMs = options.intervalMs ?? 2_000;
    this.now = options.now ?? (() => performance.now());
    this.startedAt = this.now();
  }

  /** @param alreadyDone rows answered without a call: unreadable rows and chunks in the journal */
  begin(alreadyDone: number): void {
    this.done = this.startedWith = alreadyDone;
    this.drawn = this.tty;
    this.show(true);
  }

  /** Rows of a finished chunk. */
  advance(rows: number): void {
    this.done += rows;
    this.show(this.done >= this.total);
  }

  /** A message of its own line, without leaving a half-drawn bar in front of it. */
  note(text: string): void {
    if (this.drawn) this.stream.write("\r\x1b[K");
    this.stream.write(`${text}\n`);
    if (this.drawn) this.stream.write(this.bar());
  }

  /** Ends the bar's line. */
  end(): void {
    if (this.drawn) this.stream.write("\n");
    this.drawn = false;
  }

  /** The bar as drawn on a terminal, e.g. `[##########----------] 500/1000 rows, 240 rows/s, eta 2s`. */
  bar(): string {
    const filled = this.total === 0 ? BAR_WIDTH : Math.floor((this.done / this.total) * BAR_WIDTH);
    return `[${"#".repeat(filled)}${"-".repeat(BAR_WIDTH - filled)}] ${this.status()}`;
  }

  /** Counts, rate and time left, e.g. `500/1000 rows, 240 rows/s, eta 2s`. */
  status(): string {
    const seconds = (this.now() - this.startedAt) / 1000;
    const sent = this.done - this.startedWith;
    const rate = seconds > 0 && sent > 0 ? sent / seconds : 0;
    const left = this.total - this.done;
    const eta = left === 0 ? "0s" : rate > 0 ? formatDuration(left / rate) : "--";
    return `${this.done}/${this.total} rows, ${Math.round(rate)} rows/s, eta ${eta}`;
  }

  private show(force: boolean): void {
    if (this.tty) {
      this.stream.write(`\r${this.bar()}\x1b[K`);
      return;
    }
    const now = this.now();
    if (!force && now - this.lastLineAt < this.intervalMs) return;
    this.lastLineAt = now;
    this.stream.write(`progress: ${this.status()}\n`);
  }
}

/** `2s`, `1m05s`, `2h03m`. */
export function formatDuration(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
