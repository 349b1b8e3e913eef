/**
 * Failures to talk to the OMS, as opposed to answers from it. Each carries the stable code a caller
 * sees in `extensions.code`; how the OMS said it (an HTTP status, a dropped connection) stays with
 * the adapter.
 */
export type OmsErrorCode =
  | "OMS_UNAVAILABLE"
  | "OMS_UNAUTHORIZED"
  | "OMS_RATE_LIMITED"
  | "OMS_OUTCOME_UNKNOWN";

/** Why the gateway itself refused a call before sending it: nothing reached the OMS. */
export type RefusalCode = "OMS_CIRCUIT_OPEN" | "DEADLINE_EXCEEDED";

export interface OmsErrorDetails {
  retryAfterSeconds?: number;
  /** True when a command may have been applied although no answer arrived. */
  maybeApplied?: boolean;
  /** True when the circuit breaker refused the call: nothing was sent. */
  circuitOpen?: boolean;
  /** True when the caller's deadline passed before the call was sent: nothing was sent. */
  deadlineExceeded?: boolean;
  cause?: unknown;
}

export class OmsError extends Error {
  override readonly name = "OmsError";

  constructor(
    readonly code: OmsErrorCode,
    message: string,
    readonly details: OmsErrorDetails = {},
  ) {
    super(message, { cause: details.cause });
  }

  /** The code of a refusal before sending, for callers told apart from a failure at the OMS; else null. */
  get refusal(): RefusalCode | null {
    if (this.details.circuitOpen) return "OMS_CIRCUIT_OPEN";
    if (this.details.deadlineExceeded) return "DEADLINE_EXCEEDED";
    return null;
  }
}

/** The OMS no longer finds a package it accepted a command for a moment ago: its inconsistency. */
export function packageVanished(packageId: number): OmsError {
  return new OmsError("OMS_UNAVAILABLE", `The OMS no longer finds package ${packageId}.`);
}
