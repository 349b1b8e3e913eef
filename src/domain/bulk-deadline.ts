/**
 * The overall deadline of one bulk call (BULK_DEADLINE_MS): a router gives up on a request after
 * 30 s, and an answer nobody reads would leave every item's fate unknown to the caller. OMS calls
 * of the call's items get at most the time left; when it passes, items not yet sent are answered
 * DEADLINE_EXCEEDED and never sent.
 */
import { OmsError } from "./errors.js";
import type { CallOptions } from "./ports.js";

export class BulkDeadline {
  /** In `performance.now()` milliseconds. */
  readonly at: number;
  /** The request's call options, with the deadline. */
  readonly callOptions: CallOptions;
  private readonly timer: NodeJS.Timeout;
  private readonly expiry: Promise<never>;

  /** @param onPass called once when the deadline passes, unless disposed before */
  constructor(ms: number, base: CallOptions, onPass: (error: OmsError) => void) {
    this.at = performance.now() + ms;
    this.callOptions = { ...base, deadlineAt: this.at };
    let expire!: (error: OmsError) => void;
    this.expiry = new Promise<never>((_, reject) => {
      expire = reject;
    });
    // Nobody may be racing it when it passes.
    this.expiry.catch(() => {});
    this.timer = setTimeout(() => {
      const error = deadlineExceeded();
      expire(error);
      onPass(error);
    }, ms);
  }

  get passed(): boolean {
    return performance.now() >= this.at;
  }

  /** `work`, or the deadline's OmsError if it passes first (the work itself is not stopped). */
  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expiry]);
  }

  dispose(): void {
    clearTimeout(this.timer);
  }
}

/** What an item not sent before the deadline fails with; `deadlineExceeded` marks it as never sent. */
export function deadlineExceeded(): OmsError {
  return new OmsError("OMS_UNAVAILABLE", "The bulk call's deadline passed before this item was sent.", {
    maybeApplied: false,
    deadlineExceeded: true,
  });
}
