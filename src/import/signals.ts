/**
 * SIGINT and SIGTERM: the first lets the chunks in flight finish and be journaled; a second one
 * leaves at once, which is safe too: the next run asks the gateway about that chunk, or reads its
 * packages.
 */

/** The exit codes of a shell's "killed by SIGINT / SIGTERM". */
export const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Under `npm run import`, one Ctrl+C reaches this process more than once: from the terminal, and
 * again relayed by npm a few milliseconds later. Only a later one is a second keypress.
 */
const SAME_KEYPRESS_MS = 1_000;

export interface StopRequest {
  /** Aborted by the first signal. */
  signal: AbortSignal;
  /** The first signal received, or null. */
  stoppedBy(): NodeJS.Signals | null;
}

/** Listens for SIGINT and SIGTERM for the rest of the process's life. */
export function listenForStop(stderr: { write(text: string): unknown }): StopRequest {
  const interrupt = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  let stoppedAt = 0;
  const stop = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (stoppedBy === null) {
      stoppedBy = signal;
      stoppedAt = now;
      stderr.write(`\n${signal}: stopping after the chunks in flight (send it again to stop at once).\n`);
      interrupt.abort();
    } else if (now - stoppedAt > SAME_KEYPRESS_MS) {
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
  return { signal: interrupt.signal, stoppedBy: () => stoppedBy };
}
