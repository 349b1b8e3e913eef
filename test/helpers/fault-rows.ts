/**
 * The fault suite's table: every way the OMS can misbehave on the wire (statuses, bodies, resets,
 * hangs, redirects, oversized answers), each with the outcome the contract maps it to for the command
 * and for the package read, and whether a read is tried again.
 */
import { type Behaviour, COMMAND_PATH, GOOD_PACKAGE, PACKAGE_PATH } from "./fault-server.js";

export const UPDATED = {
  __typename: "ShipmentUpdated",
  shipment: { trackingNumber: "FAULT-1", queryNumber: null },
};

export const UNKNOWN = "The OMS did not answer the command in time; it may or may not have been applied.";
export const answeredUnknown = (status: number) =>
  `The OMS answered the command with status ${status}; it may or may not have been applied.`;
export const UNAUTHORIZED = "The gateway's OMS credentials were refused.";
export const RATE_LIMITED = "The OMS is rate limiting the gateway; try again later.";
export const BREAKER_OPEN = "The OMS is failing; calls are paused for a moment.";
export const unexpected = (status: number) => `The OMS answered with an unexpected status (${status}).`;
export const malformed = (what: string) => `The OMS sent a malformed ${what}.`;
export const unreachable = (why: string) => `The OMS could not be reached: ${why}.`;

export const JSON_TYPE = { "content-type": "application/json" };
export const HTML_TYPE = { "content-type": "text/html; charset=utf-8" };
export const json = (status: number, body: unknown, headers: Record<string, string> = {}): Behaviour => ({
  kind: "answer",
  status,
  headers: { ...JSON_TYPE, ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
export const html = (status: number, body: string): Behaviour => ({
  kind: "answer",
  status,
  headers: HTML_TYPE,
  body,
});

export const NGINX_502 =
  "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>" +
  "<hr><center>nginx</center></body></html>";
export const LOGIN_PAGE =
  '<!doctype html><html><body><form action="/login/"><h1>Sign in</h1></form></body></html>';
export const PACKAGE_TEXT = JSON.stringify(GOOD_PACKAGE);
export const REJECTION_TEXT =
  '{"error": {"code": "package_locked", "message": "Another command is running."}}';
export const FIELD_ERRORS_TEXT =
  '{"error": {"awb_number": ["This field may not be blank."]}, "status_code": 400}';
export const FIFTY_MB = 50 * 1024 * 1024;

/** What the caller should see: a member of the mutation's union, or a top-level error. */
export type Outcome =
  | { result: Record<string, unknown> }
  | { code: string; message: string; retryAfterSeconds?: number; reason?: string };

/** Besides what the fault server does: refusing connections, and redirecting to the second origin. */
export type Fault = Behaviour | { kind: "refused" } | { kind: "redirectToSecondOrigin"; path: string };

export interface Row {
  name: string;
  command: Fault;
  read: Fault;
  commandOutcome: Outcome;
  readOutcome: Outcome;
  /** The status the gateway logs for its OMS call, null when no status arrived. */
  commandStatus: number | null;
  readStatus: number | null;
  /**
   * The command may have reached the OMS and the answer does not settle whether it was applied (no
   * answer, or one other than 204/400/404/406/401/403/429): one verification read follows, of a
   * package that does not hold the requested values, so the outcome stays unknown.
   */
  lost?: boolean;
  /** Reads with this fault are tried again when retries are on. */
  retriedRead?: boolean;
  /** Only the deadline ends the call: the answer comes when the deadline passes, not before. */
  atDeadline?: boolean;
  /** Far beyond the 4 MiB cap: also checks memory and how much was taken off the wire. */
  huge?: boolean;
}

export function rows(deadline: number): Row[] {
  const unavailable = (message: string): Outcome => ({ code: "OMS_UNAVAILABLE", message });
  // The command was sent and the answer says nothing about it: outcome unknown, after one read.
  const unknownAfter = (status: number): Outcome => ({
    code: "OMS_OUTCOME_UNKNOWN",
    message: answeredUnknown(status),
  });
  const status = (code: number, body: unknown, retried = false): Row => ({
    name: `${code} with a JSON body`,
    command: json(code, body),
    read: json(code, body),
    commandOutcome: unknownAfter(code),
    readOutcome: unavailable(unexpected(code)),
    commandStatus: code,
    readStatus: code,
    lost: true,
    retriedRead: retried,
  });
  const cutCommand = { result: rejectedGenerically() };
  return [
    {
      name: "204 No Content",
      command: { kind: "answer", status: 204 },
      read: { kind: "answer", status: 204 },
      commandOutcome: { result: UPDATED },
      readOutcome: unavailable(unexpected(204)),
      commandStatus: 204,
      readStatus: 204,
    },
    {
      name: "400 with DRF field errors",
      command: json(400, {
        awb_number: ["Ensure this field has no more than 64 characters."],
        cargo_company: ['Invalid pk "1" - object does not exist.'],
      }),
      read: json(400, { awb_number: ["Ensure this field has no more than 64 characters."] }),
      commandOutcome: {
        result: {
          __typename: "ValidationError",
          message:
            "The OMS refused the input: trackingNumber: Ensure this field has no more than 64 characters. (and 1 more)",
          fieldErrors: [
            {
              path: ["input", "trackingNumber"],
              message: "Ensure this field has no more than 64 characters.",
              code: "OMS_VALIDATION",
            },
            {
              path: ["input", "cargoCompanyId"],
              message: 'Invalid pk "1" - object does not exist.',
              code: "OMS_VALIDATION",
            },
          ],
        },
      },
      readOutcome: unavailable(unexpected(400)),
      commandStatus: 400,
      readStatus: 400,
    },
    {
      name: "400 with an error envelope",
      command: json(400, {
        error: { awb_number: ["This field may not be blank."], shipping_date: ["Date has wrong format."] },
        status_code: 400,
      }),
      read: json(400, { error: { id: ["Invalid."] }, status_code: 400 }),
      commandOutcome: {
        result: {
          __typename: "ValidationError",
          message: "The OMS refused the input: trackingNumber: This field may not be blank. (and 1 more)",
          fieldErrors: [
            {
              path: ["input", "trackingNumber"],
              message: "This field may not be blank.",
              code: "OMS_VALIDATION",
            },
            { path: ["input"], message: "Date has wrong format.", code: "OMS_VALIDATION" },
          ],
        },
      },
      readOutcome: unavailable(unexpected(400)),
      commandStatus: 400,
      readStatus: 400,
    },
    {
      name: "400 with non_field_errors",
      command: json(400, {
        error: { non_field_errors: ["Package status is not suitable for this transition."] },
        status_code: 400,
      }),
      read: json(400, { non_field_errors: ["Bad request."] }),
      commandOutcome: {
        result: {
          __typename: "ValidationError",
          message: "The OMS refused the input: Package status is not suitable for this transition.",
          fieldErrors: [
            {
              path: ["input"],
              message: "Package status is not suitable for this transition.",
              code: "OMS_VALIDATION",
            },
          ],
        },
      },
      readOutcome: unavailable(unexpected(400)),
      commandStatus: 400,
      readStatus: 400,
    },
    {
      name: "406 with a code and a message",
      command: json(406, {
        error: { code: "transition_not_allowed", message: "Transition 41 is not allowed for this package." },
      }),
      read: json(406, { error: { code: "not_acceptable", message: "Not acceptable." } }),
      commandOutcome: {
        result: {
          __typename: "CommandRejected",
          message: "Transition 41 is not allowed for this package.",
          code: "transition_not_allowed",
          packageId: "1001",
        },
      },
      readOutcome: unavailable(unexpected(406)),
      commandStatus: 406,
      readStatus: 406,
    },
    {
      name: "401",
      command: json(401, { detail: "Invalid token." }),
      read: json(401, { detail: "Invalid token." }),
      commandOutcome: { code: "OMS_UNAUTHORIZED", message: UNAUTHORIZED },
      readOutcome: { code: "OMS_UNAUTHORIZED", message: UNAUTHORIZED },
      commandStatus: 401,
      readStatus: 401,
    },
    {
      // Seven seconds is past every deadline here, so even a retrying read gives up at once.
      name: "429 with Retry-After: 7",
      command: json(429, { detail: "Request was throttled." }, { "retry-after": "7" }),
      read: json(429, { detail: "Request was throttled." }, { "retry-after": "7" }),
      commandOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED, retryAfterSeconds: 7 },
      readOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED, retryAfterSeconds: 7 },
      commandStatus: 429,
      readStatus: 429,
    },
    {
      name: "429 with Retry-After: 0",
      command: json(429, { detail: "Request was throttled." }, { "retry-after": "0" }),
      read: json(429, { detail: "Request was throttled." }, { "retry-after": "0" }),
      commandOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED, retryAfterSeconds: 0 },
      readOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED, retryAfterSeconds: 0 },
      commandStatus: 429,
      readStatus: 429,
      retriedRead: true,
    },
    {
      // Callers schedule their retry from it: an hour is the most the gateway passes on.
      name: "429 with an absurd Retry-After",
      command: json(429, { detail: "Request was throttled." }, { "retry-after": "99999999999999999999999" }),
      read: json(429, { detail: "Request was throttled." }, { "retry-after": "99999999999999999999999" }),
      commandOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED, retryAfterSeconds: 3600 },
      readOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED, retryAfterSeconds: 3600 },
      commandStatus: 429,
      readStatus: 429,
    },
    {
      name: "429 with a Retry-After too large for a number",
      command: json(429, { detail: "Request was throttled." }, { "retry-after": "9".repeat(400) }),
      read: json(429, { detail: "Request was throttled." }, { "retry-after": "9".repeat(400) }),
      commandOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED },
      readOutcome: { code: "OMS_RATE_LIMITED", message: RATE_LIMITED },
      commandStatus: 429,
      readStatus: 429,
      retriedRead: true,
    },
    status(500, { detail: "Server Error (500)" }),
    status(502, { detail: "Bad gateway" }, true),
    status(503, { detail: "Service unavailable" }, true),
    status(504, { detail: "Gateway timeout" }, true),
    {
      name: "an HTML login page with 200",
      command: html(200, LOGIN_PAGE),
      read: html(200, LOGIN_PAGE),
      commandOutcome: unknownAfter(200),
      lost: true,
      readOutcome: unavailable(malformed("non-JSON answer")),
      commandStatus: 200,
      readStatus: 200,
    },
    {
      name: "an HTML proxy page with 502",
      command: html(502, NGINX_502),
      read: html(502, NGINX_502),
      commandOutcome: unknownAfter(502),
      lost: true,
      readOutcome: unavailable(unexpected(502)),
      commandStatus: 502,
      readStatus: 502,
      retriedRead: true,
    },
    {
      name: 'malformed JSON with 200 ({"id": 10)',
      command: json(200, '{"id": 10'),
      read: json(200, '{"id": 10'),
      commandOutcome: unknownAfter(200),
      lost: true,
      readOutcome: unavailable(malformed("non-JSON answer")),
      commandStatus: 200,
      readStatus: 200,
    },
    {
      name: "truncated JSON: the right Content-Length, the socket destroyed mid-body",
      command: {
        kind: "cutBody",
        status: 400,
        contentLength: FIELD_ERRORS_TEXT.length,
        body: FIELD_ERRORS_TEXT.slice(0, 30),
        close: "destroy",
      },
      read: {
        kind: "cutBody",
        status: 200,
        contentLength: PACKAGE_TEXT.length,
        body: PACKAGE_TEXT.slice(0, 40),
        close: "destroy",
      },
      commandOutcome: { result: invalidWithoutReason() },
      readOutcome: unavailable(malformed("incomplete or oversized answer")),
      commandStatus: 400,
      readStatus: 200,
    },
    {
      name: "a wrong Content-Length: 100 declared, 10 sent, then the connection ended",
      command: {
        kind: "cutBody",
        status: 406,
        contentLength: 100,
        body: REJECTION_TEXT.slice(0, 10),
        close: "end",
      },
      read: {
        kind: "cutBody",
        status: 200,
        contentLength: 100,
        body: PACKAGE_TEXT.slice(0, 10),
        close: "end",
      },
      commandOutcome: cutCommand,
      readOutcome: unavailable(malformed("incomplete or oversized answer")),
      commandStatus: 406,
      readStatus: 200,
    },
    {
      name: "a wrong Content-Length: 100 declared, 10 sent, then the socket destroyed",
      command: {
        kind: "cutBody",
        status: 406,
        contentLength: 100,
        body: REJECTION_TEXT.slice(0, 10),
        close: "destroy",
      },
      read: {
        kind: "cutBody",
        status: 200,
        contentLength: 100,
        body: PACKAGE_TEXT.slice(0, 10),
        close: "destroy",
      },
      commandOutcome: cutCommand,
      readOutcome: unavailable(malformed("incomplete or oversized answer")),
      commandStatus: 406,
      readStatus: 200,
    },
    {
      name: "a 50 MB body",
      command: { kind: "stream", status: 200, bytes: FIFTY_MB },
      read: { kind: "stream", status: 200, bytes: FIFTY_MB },
      commandOutcome: unknownAfter(200),
      lost: true,
      readOutcome: unavailable(malformed("incomplete or oversized answer")),
      commandStatus: 200,
      readStatus: 200,
      huge: true,
    },
    {
      name: "a refused connection",
      command: { kind: "refused" },
      read: { kind: "refused" },
      commandOutcome: unavailable(unreachable("connection failed (ECONNREFUSED)")),
      readOutcome: unavailable(unreachable("connection failed (ECONNREFUSED)")),
      commandStatus: null,
      readStatus: null,
      retriedRead: true,
    },
    {
      name: "a reset right after the headers",
      command: { kind: "resetAfterHeaders", status: 200, contentLength: 1000 },
      read: { kind: "resetAfterHeaders", status: 200, contentLength: 1000 },
      commandOutcome: unknownAfter(200),
      lost: true,
      readOutcome: unavailable(malformed("incomplete or oversized answer")),
      commandStatus: 200,
      readStatus: 200,
    },
    {
      name: "a reset after the request was received",
      command: { kind: "resetAfterRequest" },
      read: { kind: "resetAfterRequest" },
      commandOutcome: { code: "OMS_OUTCOME_UNKNOWN", message: UNKNOWN },
      readOutcome: unavailable(unreachable("connection failed (ECONNRESET)")),
      commandStatus: null,
      readStatus: null,
      lost: true,
      retriedRead: true,
    },
    {
      name: "no answer at all (headers never sent)",
      command: { kind: "hang" },
      read: { kind: "hang" },
      commandOutcome: { code: "OMS_OUTCOME_UNKNOWN", message: UNKNOWN },
      readOutcome: unavailable(unreachable(`no answer within ${deadline} ms`)),
      commandStatus: null,
      readStatus: null,
      lost: true,
      atDeadline: true,
    },
    {
      name: "a body trickling one byte a second after prompt headers",
      command: { kind: "trickle", status: 406, body: REJECTION_TEXT, intervalMs: 1000 },
      read: { kind: "trickle", status: 200, body: PACKAGE_TEXT, intervalMs: 1000 },
      commandOutcome: cutCommand,
      readOutcome: unavailable(malformed("incomplete or oversized answer")),
      commandStatus: 406,
      readStatus: 200,
      atDeadline: true,
    },
    {
      name: "a 307 redirect to a second origin",
      command: { kind: "redirectToSecondOrigin", path: COMMAND_PATH },
      read: { kind: "redirectToSecondOrigin", path: PACKAGE_PATH },
      commandOutcome: unknownAfter(307),
      lost: true,
      readOutcome: unavailable(unexpected(307)),
      commandStatus: 307,
      readStatus: 307,
    },
  ];
}

// A 406 whose body never arrived whole: the status alone says the command was refused.
export function rejectedGenerically(): Record<string, unknown> {
  return {
    __typename: "CommandRejected",
    message: "The OMS rejected the command.",
    code: "COMMAND_REJECTED",
    packageId: "1001",
  };
}

// A 400 whose body never arrived whole: the status alone says the input was refused.
export function invalidWithoutReason(): Record<string, unknown> {
  const message = "The OMS refused the input without saying why.";
  return {
    __typename: "ValidationError",
    message,
    fieldErrors: [{ path: ["input"], message, code: "OMS_VALIDATION" }],
  };
}
