/**
 * Failures to talk to the OMS, as opposed to answers from it. Each carries the stable code a caller
 * sees in `extensions.code`.
 */
export type OmsErrorCode =
  | "OMS_UNAVAILABLE"
  | "OMS_UNAUTHORIZED"
  | "OMS_RATE_LIMITED"
  | "OMS_OUTCOME_UNKNOWN";

export class OmsError extends Error {
  override readonly name = "OmsError";

  constructor(
    readonly code: OmsErrorCode,
    message: string,
    readonly details: {
      /** The HTTP status the OMS answered with, when it answered. */
      status?: number;
      retryAfterSeconds?: number;
      /** True when a command may have been applied although no answer arrived. */
      maybeApplied?: boolean;
      /** True when the circuit breaker refused the call: nothing was sent. */
      circuitOpen?: boolean;
      /** True when the caller's deadline passed before the call was sent: nothing was sent. */
      deadlineExceeded?: boolean;
      cause?: unknown;
    } = {},
  ) {
    super(message, { cause: details.cause });
  }
}
