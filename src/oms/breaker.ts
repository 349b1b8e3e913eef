/**
 * The circuit breaker of the OMS origin: cockatiel's consecutive-failures breaker, with two things
 * it leaves to its user. Which outcomes count is decided per call (a 5xx answer is returned, not
 * thrown, yet counts; a call cut short by its caller's deadline does not). And calls that meet a
 * half-open breaker wait for the probe's result only as long as their own deadline allows (cockatiel
 * would hold them until the probe ends), then go through if it closed the breaker or fail fast if it
 * opened it again: the first healthy answer after an outage should not cost the calls made beside
 * it, and a caller's deadline should hold.
 *
 * Closed: calls go through and failures are counted; `threshold` failures in a row open it. Open:
 * calls fail at once with BrokenCircuitError, without reaching the OMS. After `halfOpenAfterMs` the
 * next call goes through alone as the probe: its success closes the breaker; anything else, even
 * an error that would not count in a closed breaker, opens it for another period.
 *
 * Cost, with the breaker closed, in a tight loop (CPU time, median of 15 runs of 200,000 calls):
 * 0.44 µs per call, against 0.15 µs for the hand-written breaker it replaced; through the
 * transport, 0.81 against 0.52 µs per command and 1.31 against 0.59 µs per read (its retry policy).
 */
import {
  BrokenCircuitError,
  type CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  circuitBreaker,
  Event,
  handleWhen,
} from "cockatiel";

export type BreakerState = "closed" | "open" | "halfOpen";

export { BrokenCircuitError, isBrokenCircuitError } from "cockatiel";

export interface BreakerOptions {
  /** Consecutive failures that open the breaker. */
  threshold: number;
  /** How long it stays open before one probe is let through. */
  halfOpenAfterMs: number;
  onStateChange?: (state: BreakerState) => void;
}

export interface ExecuteOptions {
  /**
   * How long the call may wait for a half-open probe's result before it is refused (default 0: it
   * is refused at once). An open breaker refuses at once whatever this says.
   */
  maxWaitMs?: number;
}

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: "closed",
  [CircuitState.Open]: "open",
  [CircuitState.HalfOpen]: "halfOpen",
  [CircuitState.Isolated]: "open",
};

// Private: an outcome that counts against the OMS, carried through the policy and unwrapped after.
class Counted {
  constructor(readonly error: unknown) {}
}

interface Settled<T> {
  value: T;
  failed: boolean;
}

const COUNTED = handleWhen((error) => error instanceof Counted).orWhenResult(
  (settled) => (settled as Settled<unknown>).failed,
);

export class CircuitBreaker {
  private readonly policy: CircuitBreakerPolicy;

  constructor(options: BreakerOptions) {
    this.policy = circuitBreaker(COUNTED, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(options.threshold),
    });
    const onStateChange = options.onStateChange;
    if (onStateChange) this.policy.onStateChange((state) => onStateChange(STATES[state]));
  }

  get state(): BreakerState {
    return STATES[this.policy.state];
  }

  /**
   * Runs `call` unless the breaker refuses it.
   * @param isFailure whether a thrown error, or an answer, counts as the OMS failing; errors that
   *   do not count are passed on without changing the count.
   * @throws BrokenCircuitError when the call was not made: the breaker is open, the probe that
   *   was waited for failed, or the wait outlasted `maxWaitMs`.
   */
  async execute<T>(
    call: () => Promise<T>,
    isFailure: (outcome: { error: unknown } | { value: T }) => boolean,
    options: ExecuteOptions = {},
  ): Promise<T> {
    if (this.policy.state === CircuitState.HalfOpen) await this.awaitProbe(options.maxWaitMs ?? 0);
    // An open breaker either refuses the call or makes it the probe.
    const probe = this.policy.state === CircuitState.Open;
    try {
      const settled = await this.policy.execute(async (): Promise<Settled<T>> => {
        let value: T;
        try {
          value = await call();
        } catch (error) {
          // Any error of the probe counts: only a good answer may close the breaker.
          throw this.counts(probe, probe || isFailure({ error })) ? new Counted(error) : error;
        }
        return { value, failed: this.counts(probe, isFailure({ value })) };
      });
      return settled.value;
    } catch (error) {
      throw error instanceof Counted ? error.error : error;
    }
  }

  // Private: the probe's failure counts; another call's only while the breaker is closed: a call
  // made before it opened that fails while the probe is out must not reopen it over the probe's head.
  private counts(probe: boolean, failed: boolean): boolean {
    return failed && (probe || this.policy.state === CircuitState.Closed);
  }

  // Private: returns once the breaker has left half-open; throws when `maxWaitMs` passes first.
  private async awaitProbe(maxWaitMs: number): Promise<void> {
    const waitUntil = performance.now() + maxWaitMs;
    while (this.policy.state === CircuitState.HalfOpen) {
      const left = waitUntil - performance.now();
      if (left <= 0 || !(await this.nextStateChange(left))) throw new BrokenCircuitError();
    }
  }

  // Private: resolves true at the breaker's next change of state, false when `ms` pass first.
  private nextStateChange(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const listener = Event.once(this.policy.onStateChange, () => {
        clearTimeout(timer);
        resolve(true);
      });
      const timer = setTimeout(() => {
        listener.dispose();
        resolve(false);
      }, ms);
    });
  }
}
