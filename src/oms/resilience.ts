/**
 * Resilience in front of the OMS transport: a circuit breaker per OMS origin, and retries for
 * reads (cockatiel's retry policy). Commands are never retried: the OMS documents no idempotency
 * key, so a second send could apply a command twice; their lost answers are handled by the use
 * case's verification read.
 */
import {
  DelegateBackoff,
  ExponentialBackoff,
  fullJitterGenerator,
  handleWhen,
  type IBackoff,
  type IBackoffFactory,
  type IRetryBackoffContext,
  retry,
} from "cockatiel";
import { OmsError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import { CircuitBreaker, isBrokenCircuitError } from "./breaker.js";
import { type CallTraceOptions, traceCall } from "./call-trace.js";
import { retryAfterOf } from "./command-result.js";
import type { OmsHttp, OmsResponse } from "./http.js";
import type { OmsCall, OmsCallOptions } from "./telemetry.js";

export interface ResilienceOptions {
  /** Consecutive transport failures (no answer, or a 5xx) that open the breaker. */
  breakerThreshold: number;
  /**
   * How long the breaker stays open before one call is let through as a probe; calls arriving
   * while it is out wait for its result within their deadline.
   */
  halfOpenAfterMs: number;
  /** Tries of a read in all, within the read's one deadline. */
  readAttempts: number;
  /** Called when the breaker opens, half-opens or closes. */
  onStateChange?: (state: "open" | "halfOpen" | "closed") => void;
  /** Where each try's debug line goes. */
  log?: Logger;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);

// Private: what is worth another try of a read. Not a refusal by the breaker (retries must not go
// through it), nor a caller's deadline.
const READ_RETRIES = handleWhen(
  (error) => error instanceof OmsError && !error.details.circuitOpen && !error.details.deadlineExceeded,
).orWhenResult((res) => RETRYABLE_STATUS.has((res as OmsResponse).status));

// Private: full jitter spreads the retries of many waiting requests instead of bunching them:
// up to 200 ms, then 400 ms, ... at most 2 s.
const JITTERED = new ExponentialBackoff({
  generator: fullJitterGenerator,
  initialDelay: 200,
  maxDelay: 2_000,
});

export class ResilientOms {
  private readonly breaker: CircuitBreaker;
  private readonly trace: CallTraceOptions;

  constructor(
    private readonly http: OmsHttp,
    private readonly options: ResilienceOptions,
  ) {
    this.trace = { origin: http.origin, prefix: http.prefix, log: options.log };
    this.breaker = new CircuitBreaker({
      threshold: options.breakerThreshold,
      halfOpenAfterMs: options.halfOpenAfterMs,
      onStateChange: options.onStateChange,
    });
  }

  get origin(): string {
    return this.http.origin;
  }

  get prefix(): string {
    return this.http.prefix;
  }

  /** "closed" (calls go through), "open" (failing fast) or "halfOpen" (one probe allowed). */
  get state(): "open" | "halfOpen" | "closed" {
    return this.breaker.state;
  }

  /**
   * Same contract as OmsHttp.send. GETs are retried with jittered backoff on connection failures,
   * 429 (waiting for Retry-After when it fits) and 502/503/504, all within one deadline: OMS_TIMEOUT_MS,
   * or the caller's `deadlineAt` when that comes first. A call that meets a half-open breaker waits
   * for the probe within the same deadline.
   * @throws OmsError with `circuitOpen` when the breaker refused the call, or `deadlineExceeded` when
   *   the caller's deadline passed before it was sent; both with `maybeApplied: false`.
   */
  send(
    method: "GET" | "POST",
    path: string,
    route: OmsCall["route"],
    body: string | null,
    options?: OmsCallOptions,
  ): Promise<OmsResponse> {
    const own = performance.now() + this.http.timeoutMs;
    const caller = options?.deadlineAt;
    const deadline = caller !== undefined && caller < own ? caller : own;
    if (method !== "GET" || options?.once) return this.once(method, path, route, body, options, deadline);
    return this.withRetries(method, path, route, body, options, deadline);
  }

  private async withRetries(
    method: "GET",
    path: string,
    route: OmsCall["route"],
    body: string | null,
    options: OmsCallOptions | undefined,
    deadline: number,
  ): Promise<OmsResponse> {
    // cockatiel counts retries: one try plus `readAttempts - 1` more.
    const policy = retry(READ_RETRIES, {
      maxAttempts: this.options.readAttempts - 1,
      backoff: pausesWithin(deadline),
    });
    try {
      return await policy.execute(({ attempt }) =>
        this.once(method, path, route, body, options, deadline, attempt),
      );
    } catch (error) {
      if (error instanceof LastAnswer) return error.res;
      throw error;
    }
  }

  private async once(
    method: "GET" | "POST",
    path: string,
    route: OmsCall["route"],
    body: string | null,
    options: OmsCallOptions | undefined,
    deadline: number,
    attempt = 0,
  ): Promise<OmsResponse> {
    // Described only when the try is traced or logged.
    const tried = () => ({
      method,
      path,
      route,
      attempt,
      breaker: this.breaker.state,
      requestId: options?.requestId,
    });
    return traceCall(this.trace, tried, () => this.tryOnce(method, path, route, body, options, deadline));
  }

  private async tryOnce(
    method: "GET" | "POST",
    path: string,
    route: OmsCall["route"],
    body: string | null,
    options: OmsCallOptions | undefined,
    deadline: number,
  ): Promise<OmsResponse> {
    const callerDeadline = options?.deadlineAt !== undefined && options.deadlineAt <= deadline;
    if (deadline - performance.now() < 1) throw notSent(callerDeadline);
    try {
      return await this.breaker.execute(
        () => {
          const left = deadline - performance.now();
          if (left < 1) throw notSent(callerDeadline);
          return this.http.send(method, path, route, body, options, Math.ceil(left));
        },
        (outcome) =>
          "error" in outcome
            ? isOmsFailure(outcome.error, callerDeadline && performance.now() >= deadline - 1)
            : outcome.value.status >= 500,
        { maxWaitMs: deadline - performance.now() },
      );
    } catch (error) {
      if (isBrokenCircuitError(error)) {
        if (callerDeadline && performance.now() >= deadline - 1) throw notSent(true, error);
        throw new OmsError("OMS_UNAVAILABLE", "The OMS is failing; calls are paused for a moment.", {
          maybeApplied: false,
          circuitOpen: true,
          cause: error,
        });
      }
      throw error;
    }
  }
}

// Private: the answer a read ends with when the pause before its next try would outlast its deadline.
class LastAnswer {
  constructor(readonly res: OmsResponse) {}
}

// Private: the pauses between the tries of one read: Retry-After on a 429 when the OMS sends one,
// full jitter otherwise. A pause that would outlast the deadline ends the read at once with what
// it last got (throwing from a backoff is how cockatiel stops retrying).
function pausesWithin(deadline: number): IBackoffFactory<IRetryBackoffContext<unknown>> {
  return new DelegateBackoff<IRetryBackoffContext<unknown>, IBackoff<unknown>>((context, jitter) => {
    const next = jitter ? jitter.next(context) : JITTERED.next();
    const { result } = context;
    const delay =
      ("value" in result ? retryAfterMs(result.value as OmsResponse) : undefined) ?? next.duration;
    if (performance.now() + delay >= deadline)
      throw "error" in result ? result.error : new LastAnswer(result.value as OmsResponse);
    return { delay, state: next };
  });
}

function retryAfterMs(res: OmsResponse): number | undefined {
  if (res.status !== 429) return undefined;
  const seconds = retryAfterOf(res);
  return seconds === undefined ? undefined : seconds * 1000;
}

// Private: no answer, or a 5xx, is the OMS failing; a call cut short by its caller's own deadline
// says nothing about the OMS, and counting it would let one impatient bulk call open the breaker
// for everyone.
function isOmsFailure(error: unknown, cutByCaller: boolean): boolean {
  return error instanceof OmsError && !error.details.deadlineExceeded && !cutByCaller;
}

function notSent(callerDeadline: boolean, cause?: unknown): OmsError {
  return callerDeadline
    ? new OmsError("OMS_UNAVAILABLE", "The deadline passed before the call was sent to the OMS.", {
        maybeApplied: false,
        deadlineExceeded: true,
        cause,
      })
    : new OmsError("OMS_UNAVAILABLE", "The OMS did not answer in time.", { maybeApplied: false, cause });
}
