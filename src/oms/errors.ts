/**
 * The OMS's failures as the one error type the layers above know. How they showed here (a status, a
 * dropped connection) stays in oms/: the domain sees a code and whether a command may have been
 * applied.
 */
import { OmsError, type OmsErrorCode, type OmsErrorDetails } from "../domain/errors.js";

/** An OmsError for an answer the OMS gave: its HTTP status is kept for the adapter's own tests. */
export class OmsAnswerError extends OmsError {
  declare readonly details: OmsErrorDetails & { status: number };

  constructor(code: OmsErrorCode, message: string, details: OmsErrorDetails & { status: number }) {
    super(code, message, details);
  }
}

// Error codes meaning the request never left this process, so a command cannot have been applied.
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_DESTROYED",
  "UND_ERR_CLOSED",
]);

/**
 * A call that got no answer.
 * @param started whether undici began writing the request: before that the OMS cannot have seen it
 */
export function toOmsError(
  error: unknown,
  deadlineHit: boolean,
  started: boolean,
  timeoutMs: number,
): OmsError {
  const code = (error as { code?: unknown })?.code;
  const notSent =
    !started ||
    (typeof code === "string" &&
      (NOT_SENT_CODES.has(code) || code.startsWith("ERR_TLS") || code.includes("CERT")));
  const why = deadlineHit
    ? `no answer within ${Math.round(timeoutMs)} ms`
    : typeof code === "string"
      ? `connection failed (${code})`
      : "connection failed";
  return new OmsError("OMS_UNAVAILABLE", `The OMS could not be reached: ${why}.`, {
    maybeApplied: !notSent,
    cause: error,
  });
}
