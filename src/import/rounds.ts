/**
 * Rounds until every row is done, the retries run out, or the import is stopped. Rows known not
 * applied wait for the next round, with backoff between rounds; whatever is left when the run
 * ends is picked up by the next run.
 */
import pRetry, { AbortError } from "p-retry";
import { ChunkRefused } from "./chunk-answer.js";
import type { ProgressReporter } from "./progress.js";
import type { Round } from "./round.js";
import type { Work } from "./work.js";

/** How rows known not applied are tried again within one run. */
export interface RetryPolicy {
  /** Rounds in all, the first included. */
  attempts: number;
  /** The wait before the second round; doubled for each further one, up to maxDelayMs. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** How the rounds ended; rows left after the last round are not a failure of the run. */
export type Ending = { kind: "finished" } | { kind: "interrupted" } | { kind: "failed"; message: string };

/** Thrown at the end of a round that left rows to try again. */
class RowsLeft extends Error {
  override name = "RowsLeft";
}

/**
 * Runs `round` over `work` until nothing is left, up to `retry.attempts` times.
 * @throws whatever a round throws that is neither a refusal nor an interruption
 */
export async function runRounds(
  round: Round,
  work: readonly Work[],
  retry: RetryPolicy,
  progress: ProgressReporter,
  interrupt: AbortSignal,
): Promise<Ending> {
  let ending: Ending = { kind: "finished" };
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
  return ending;
}

function formatDelay(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}
