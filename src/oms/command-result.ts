/**
 * The result mapping of the contract, in one place: an OMS answer to the shipment command becomes a
 * business outcome, or an OmsError for answers that say nothing about the command itself.
 */
import { OmsError } from "../domain/errors.js";
import type { CommandField, CommandVerdict, FieldProblem, InvalidCommand } from "../domain/shipment.js";
import { parseOmsErrorBody } from "./error-body.js";
import { OmsAnswerError } from "./errors.js";
import type { OmsResponse } from "./http.js";

/** OMS field names of the command body → the input fields a caller sent. */
const FIELD_OF: Readonly<Record<string, CommandField>> = {
  awb_number: "trackingNumber",
  cargo_company: "cargoCompanyId",
  query_number: "queryNumber",
  transition_id: "transitionId",
};

export function mapCommandResponse(res: OmsResponse, packageId: number): CommandVerdict {
  const { status } = res;
  // Only the documented 204 counts: a 200 page from a proxy or a login screen has applied nothing.
  if (status === 204) return { kind: "applied" };
  if (status === 400) return invalidFrom(res);
  if (status === 404) {
    return {
      kind: "invalid",
      message: `The OMS has no package ${packageId}.`,
      problems: [
        { field: "packageId", message: `The OMS has no package ${packageId}.`, code: "PACKAGE_NOT_FOUND" },
      ],
    };
  }
  if (status === 406) {
    const details = parseOmsErrorBody(res.body, header(res, "content-type"));
    return {
      kind: "rejected",
      packageId,
      code: details.code ?? "COMMAND_REJECTED",
      message: details.message ?? "The OMS rejected the command.",
    };
  }
  // Credentials and rate limits are refused before the command runs.
  if (status === 401 || status === 403 || status === 429) throw errorForStatus(res);
  // Any other answer came after the command was sent: a 5xx from the OMS or a proxy in front of it
  // (which may have passed the command on before giving up), a redirect, a 200 page. None of them
  // says whether the command was applied.
  throw new OmsAnswerError(
    "OMS_OUTCOME_UNKNOWN",
    `The OMS answered the command with status ${status}; it may or may not have been applied.`,
    { status, maybeApplied: true },
  );
}

/**
 * The command got no answer. When it may have reached the OMS (the connection dropped or timed out
 * after sending), the outcome is unknown; refusals before sending pass through as they are.
 */
export function commandNotAnswered(error: unknown): never {
  if (error instanceof OmsError && error.details.maybeApplied) {
    throw new OmsError(
      "OMS_OUTCOME_UNKNOWN",
      "The OMS did not answer the command in time; it may or may not have been applied.",
      { maybeApplied: true, cause: error },
    );
  }
  throw error;
}

/**
 * Answers that are not about the request's content: credentials, rate limits, OMS failures, and
 * anything unexpected (a redirect, which is never followed, included).
 */
export function errorForStatus(res: OmsResponse): OmsAnswerError {
  const { status } = res;
  if (status === 401 || status === 403) {
    return new OmsAnswerError("OMS_UNAUTHORIZED", "The gateway's OMS credentials were refused.", { status });
  }
  if (status === 429) {
    const retryAfterSeconds = retryAfterOf(res);
    return new OmsAnswerError("OMS_RATE_LIMITED", "The OMS is rate limiting the gateway; try again later.", {
      status,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
  }
  return new OmsAnswerError("OMS_UNAVAILABLE", `The OMS answered with an unexpected status (${status}).`, {
    status,
  });
}

function invalidFrom(res: OmsResponse): InvalidCommand {
  const details = parseOmsErrorBody(res.body, header(res, "content-type"));
  const problems: FieldProblem[] = [];
  for (const { field, messages } of details.fieldErrors) {
    for (const message of messages) {
      problems.push({
        field: Object.hasOwn(FIELD_OF, field) ? (FIELD_OF[field] as CommandField) : null,
        message,
        code: "OMS_VALIDATION",
      });
    }
  }
  for (const message of details.nonFieldErrors)
    problems.push({ field: null, message, code: "OMS_VALIDATION" });
  if (problems.length === 0) {
    const said = details.message;
    const problem = {
      field: null,
      message: said ?? "The OMS refused the input without saying why.",
      code: "OMS_VALIDATION",
    };
    return {
      kind: "invalid",
      message: said ? `The OMS refused the input: ${said}` : problem.message,
      problems: [problem],
    };
  }
  // Named after the caller's input fields, not the OMS's: the caller never sent `awb_number`.
  const first = problems[0] as FieldProblem;
  const more = problems.length > 1 ? ` (and ${problems.length - 1} more)` : "";
  const message = `The OMS refused the input: ${first.field ? `${first.field}: ` : ""}${first.message}${more}`;
  return { kind: "invalid", message, problems };
}

function header(res: OmsResponse, name: string): string | null {
  const value = res.headers[name];
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

/** The answer's `Retry-After`, in seconds (see `parseRetryAfter`). */
export function retryAfterOf(res: OmsResponse): number | undefined {
  return parseRetryAfter(header(res, "retry-after"));
}

/**
 * The longest wait passed on from `Retry-After`. Callers schedule retries from it; a proxy's
 * misconfigured value (or a hostile one) must not tell them to come back in a thousand years.
 */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * `Retry-After` as seconds or an HTTP date, at most MAX_RETRY_AFTER_SECONDS; undefined when absent,
 * unreadable or too large to be a number.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === "") return undefined;
  if (/^\s*\d+\s*$/.test(value)) return capped(Number(value));
  // An HTTP date names a weekday and month; without letters, Date.parse would accept junk like "-3".
  if (!/[A-Za-z]/.test(value)) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : capped(Math.max(0, Math.ceil((at - now) / 1000)));
}

function capped(seconds: number): number | undefined {
  return Number.isFinite(seconds) ? Math.min(seconds, MAX_RETRY_AFTER_SECONDS) : undefined;
}
