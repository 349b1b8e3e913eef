/**
 * The fault suite: a real gateway in front of a loopback OMS that misbehaves in every way the wire
 * allows. For each fault, the single mutation (with a transitionId, so the command is the first OMS
 * call) and the package query are sent over HTTP, and each must
 *   - answer with the contract's mapped result or error code, within three deadlines at most;
 *   - leave the gateway healthy: /health/live answers and good requests work right after;
 *   - leak nothing: no request left running or queued in the OMS pool, and once the fault server
 *     closes its idle connections none of its sockets stays open.
 * The table runs twice: one OMS call per request (retries and breaker off), and with the resilience
 * defaults, where only 429/502/503/504 and connection failures of reads are tried again. A command
 * answered with anything that does not settle its outcome is never sent again: it is followed by one
 * verification read, and stays OMS_OUTCOME_UNKNOWN unless that read proves the command was applied.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type Behaviour,
  COMMAND_PATH,
  type FaultGateway,
  FaultServer,
  GOOD_PACKAGE,
  PACKAGE_PATH,
  startFaultGateway,
} from "./helpers/fault-server.js";

const MUTATION = `mutation FaultCommand($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber queryNumber } }
    ... on ValidationError { message fieldErrors { path message code } }
    ... on CommandRejected { message code packageId }
  }
}`;
const QUERY = `query FaultRead($id: ID!) {
  package(id: $id) { id status statusName shipment { trackingNumber queryNumber } }
}`;
const INPUT = { packageId: "1001", cargoCompanyId: "1", trackingNumber: "FAULT-1", transitionId: 41 };
const WIRE_COMMAND = '{"transition_id":41,"awb_number":"FAULT-1","cargo_company":1}';

const UPDATED = { __typename: "ShipmentUpdated", shipment: { trackingNumber: "FAULT-1", queryNumber: null } };
const GOOD_READ = {
  package: {
    id: "1001",
    status: "PACKED",
    statusName: "Packed",
    shipment: { trackingNumber: "YK1001", queryNumber: null },
  },
};

const UNKNOWN = "The OMS did not answer the command in time; it may or may not have been applied.";
const answeredUnknown = (status: number) =>
  `The OMS answered the command with status ${status}; it may or may not have been applied.`;
const UNAUTHORIZED = "The gateway's OMS credentials were refused.";
const RATE_LIMITED = "The OMS is rate limiting the gateway; try again later.";
const BREAKER_OPEN = "The OMS is failing; calls are paused for a moment.";
const unexpected = (status: number) => `The OMS answered with an unexpected status (${status}).`;
const malformed = (what: string) => `The OMS sent a malformed ${what}.`;
const unreachable = (why: string) => `The OMS could not be reached: ${why}.`;

const JSON_TYPE = { "content-type": "application/json" };
const HTML_TYPE = { "content-type": "text/html; charset=utf-8" };
const json = (status: number, body: unknown, headers: Record<string, string> = {}): Behaviour => ({
  kind: "answer",
  status,
  headers: { ...JSON_TYPE, ...headers },
  body: typeof body === "string" ? body : JSON.stringify(body),
});
const html = (status: number, body: string): Behaviour => ({
  kind: "answer",
  status,
  headers: HTML_TYPE,
  body,
});

const NGINX_502 =
  "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center>" +
  "<hr><center>nginx</center></body></html>";
const LOGIN_PAGE = '<!doctype html><html><body><form action="/login/"><h1>Sign in</h1></form></body></html>';
const PACKAGE_TEXT = JSON.stringify(GOOD_PACKAGE);
const REJECTION_TEXT = '{"error": {"code": "package_locked", "message": "Another command is running."}}';
const FIELD_ERRORS_TEXT = '{"error": {"awb_number": ["This field may not be blank."]}, "status_code": 400}';
const FIFTY_MB = 50 * 1024 * 1024;

/** What the caller should see: a member of the mutation's union, or a top-level error. */
type Outcome =
  | { result: Record<string, unknown> }
  | { code: string; message: string; retryAfterSeconds?: number; reason?: string };

/** Besides what the fault server does: refusing connections, and redirecting to the second origin. */
type Fault = Behaviour | { kind: "refused" } | { kind: "redirectToSecondOrigin"; path: string };

interface Row {
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
  /** Only the deadline ends the call, so the answer comes after it (but well within three). */
  atDeadline?: boolean;
  /** Far beyond the 4 MiB cap: also checks memory and how much was taken off the wire. */
  huge?: boolean;
}

function rows(deadline: number): Row[] {
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
function rejectedGenerically(): Record<string, unknown> {
  return {
    __typename: "CommandRejected",
    message: "The OMS rejected the command.",
    code: "COMMAND_REJECTED",
    packageId: "1001",
  };
}

// A 400 whose body never arrived whole: the status alone says the input was refused.
function invalidWithoutReason(): Record<string, unknown> {
  const message = "The OMS refused the input without saying why.";
  return {
    __typename: "ValidationError",
    message,
    fieldErrors: [{ path: ["input"], message, code: "OMS_VALIDATION" }],
  };
}

function expectedBody(outcome: Outcome, field: "updatePackageShipment" | "package"): unknown {
  if ("result" in outcome) return { data: { [field]: outcome.result } };
  const { code, message, retryAfterSeconds, reason } = outcome;
  return {
    data: field === "package" ? { package: null } : null,
    errors: [
      {
        message,
        locations: [{ line: 2, column: 3 }],
        path: [field],
        extensions: {
          code,
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          ...(reason === undefined ? {} : { reason }),
        },
      },
    ],
  };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

interface Mode {
  name: string;
  deadline: number;
  retries: boolean;
  env: Record<string, string>;
}

const ONE_CALL: Mode = {
  name: "one OMS call per request (retries and breaker off)",
  deadline: 500,
  retries: false,
  env: { OMS_TIMEOUT_MS: "500" },
};

// The deadline leaves room for both jittered backoffs of a read (under 200 ms, then under 400 ms),
// so a retried read is tried exactly three times whatever the jitter.
const RESILIENCE_DEFAULTS: Mode = {
  name: "resilience defaults (3 read attempts, breaker after 5 failures)",
  deadline: 1000,
  retries: true,
  env: { OMS_TIMEOUT_MS: "1000", OMS_READ_ATTEMPTS: "3", OMS_BREAKER_THRESHOLD: "5" },
};

let nextId = 0;
const requestId = (prefix: string) => `${prefix}-${++nextId}`;

describe.each([ONE_CALL, RESILIENCE_DEFAULTS])("OMS faults with $name", (mode) => {
  let fault: FaultServer;
  let second: FaultServer;
  let gw: FaultGateway;
  const crashes = watchCrashes();

  beforeAll(async () => {
    crashes.start();
    fault = await FaultServer.start();
    second = await FaultServer.start();
    gw = await startFaultGateway(fault.url, mode.env);
  });
  afterAll(async () => {
    crashes.stop();
    await gw?.close();
    await fault?.close();
    await second?.close();
  });
  // A case that failed half-way must not hand its fault, a closed port or a streak of failures that
  // the breaker is counting to the next case.
  beforeEach(async () => {
    fault.reset();
    await fault.accept();
    await gw.gql(QUERY, { id: "1001" });
  });

  const table = rows(mode.deadline);

  async function apply(route: "command" | "package", behaviour: Fault): Promise<void> {
    if (behaviour.kind === "refused") return fault.refuse();
    if (behaviour.kind === "redirectToSecondOrigin") {
      const location = `${second.url}${behaviour.path}`;
      return fault.on(route, { kind: "answer", status: 307, headers: { location } });
    }
    fault.on(route, behaviour);
  }

  async function expectPoolIdle(): Promise<void> {
    const pool = gw.gateway.omsHttp;
    await waitFor(() => pool.stats.running === 0 && pool.stats.pending === 0, 1000);
    expect({ running: pool.stats.running, pending: pool.stats.pending }).toStrictEqual({
      running: 0,
      pending: 0,
    });
  }

  async function expectGoodRequestsWork(): Promise<void> {
    expect(await gw.getStatus("/health/live")).toBe(200);
    const read = await gw.gql(QUERY, { id: "1001" });
    expect(read.body).toStrictEqual({ data: GOOD_READ });
    const command = await gw.gql(MUTATION, { input: INPUT });
    expect(command.body).toStrictEqual({ data: { updatePackageShipment: UPDATED } });
  }

  /** Everything that must hold once the faulty request has been answered. */
  async function expectRecovered(): Promise<void> {
    fault.reset();
    await expectPoolIdle();
    await expectGoodRequestsWork();
    // Idle keep-alive connections are the only ones allowed to outlive a case; once they are closed
    // nothing of the fault must remain, on either side.
    fault.closeIdle();
    expect(await fault.waitForOpenSockets(0, 2000)).toBe(0);
    const pool = gw.gateway.omsHttp;
    await waitFor(() => pool.stats.connected === 0, 1000);
    expect(pool.stats).toStrictEqual({ connected: 0, free: 0, pending: 0, running: 0 });
    expect(second.connections).toBe(0);
    expect(second.requests).toStrictEqual([]);
    // An error nobody handles would have ended a production process.
    expect(crashes.take()).toStrictEqual([]);
  }

  function expectTimely(ms: number, atDeadline: boolean | undefined): void {
    expect(ms).toBeLessThan(3 * mode.deadline);
    // A fault the gateway can see at once must not cost the caller the deadline.
    if (atDeadline) expect(ms).toBeGreaterThanOrEqual(mode.deadline - 5);
    else expect(ms).toBeLessThan(mode.deadline);
  }

  function received(calls: string[], refused: boolean): string[] {
    if (refused) return [];
    return calls.map((call) =>
      call.startsWith("POST command") ? `POST ${COMMAND_PATH}` : `GET ${PACKAGE_PATH}`,
    );
  }

  describe("the single mutation with a transitionId", () => {
    it.each(table)("$name", async (row) => {
      fault.clearRecords();
      await apply("command", row.command);
      const rss = row.huge ? watchRss() : null;
      const id = requestId("command");
      const res = await gw.gql(MUTATION, { input: INPUT }, id);
      const rssGrowth = rss?.stop();
      if (row.command.kind === "refused") await fault.accept();

      expect(res.status).toBe(200);
      // Soft, so that a wrong answer still lets the timing, call and socket checks below report.
      expect.soft(res.body).toStrictEqual(expectedBody(row.commandOutcome, "updatePackageShipment"));
      expectTimely(res.ms, row.atDeadline);
      // One command, never a second; one verification read (never retried) only when the answer
      // left the outcome open.
      const calls = [`POST command ${row.commandStatus}`, ...(row.lost ? ["GET package 200"] : [])];
      expect(await gw.omsCalls(id)).toStrictEqual(calls);
      expect(fault.routes()).toStrictEqual(received(calls, row.command.kind === "refused"));
      for (const r of fault.requests.filter((r) => r.method === "POST")) expect(r.body).toBe(WIRE_COMMAND);
      if (rssGrowth !== undefined) await expectCutAtCap(rssGrowth, fault);

      await expectRecovered();
    });
  });

  describe("the package query", () => {
    it.each(table)("$name", async (row) => {
      fault.clearRecords();
      await apply("package", row.read);
      const rss = row.huge ? watchRss() : null;
      const id = requestId("read");
      const res = await gw.gql(QUERY, { id: "1001" }, id);
      const rssGrowth = rss?.stop();
      if (row.read.kind === "refused") await fault.accept();

      expect(res.status).toBe(200);
      expect.soft(res.body).toStrictEqual(expectedBody(row.readOutcome, "package"));
      expectTimely(res.ms, row.atDeadline);
      // Tried again only for 429/502/503/504 and connection failures, and only with retries on.
      const tries = mode.retries && row.retriedRead ? 3 : 1;
      const calls = Array.from({ length: tries }, () => `GET package ${row.readStatus}`);
      expect(await gw.omsCalls(id)).toStrictEqual(calls);
      expect(fault.routes()).toStrictEqual(received(calls, row.read.kind === "refused"));
      if (rssGrowth !== undefined) await expectCutAtCap(rssGrowth, fault);

      await expectRecovered();
    });
  });

  describe("a lost command answer whose verification read fails too", () => {
    it.each<{ name: string; command: Behaviour; read: Behaviour; deadlines: number }>([
      {
        name: "reset after the request, then a 503 on the read",
        command: { kind: "resetAfterRequest" },
        read: json(503, { detail: "Service unavailable" }),
        deadlines: 0,
      },
      {
        name: "no answer to the command, then no answer to the read",
        command: { kind: "hang" },
        read: { kind: "hang" },
        deadlines: 2,
      },
    ])("$name → OMS_OUTCOME_UNKNOWN after one command and at most one read", async (c) => {
      fault.clearRecords();
      fault.on("command", c.command);
      fault.on("package", c.read);
      const res = await gw.gql(MUTATION, { input: INPUT }, requestId("lost"));

      expect
        .soft(res.body)
        .toStrictEqual(
          expectedBody({ code: "OMS_OUTCOME_UNKNOWN", message: UNKNOWN }, "updatePackageShipment"),
        );
      // The command's deadline, then the read's: still within the three deadlines a caller waits.
      expect(res.ms).toBeGreaterThanOrEqual(c.deadlines * mode.deadline - 5);
      expect(res.ms).toBeLessThan(3 * mode.deadline);
      expect(fault.routes()).toStrictEqual([`POST ${COMMAND_PATH}`, `GET ${PACKAGE_PATH}`]);

      await expectRecovered();
    });
  });

  describe("connections", () => {
    // The well-formed answers of the table: their bodies are read to the end, so the connection
    // that carried them can carry the next request.
    const complete = table.filter((row) => row.command.kind === "answer" && row.read.kind === "answer");

    it("reuses one connection across every complete answer, faulty or not", async () => {
      fault.closeIdle();
      await fault.waitForOpenSockets(0, 1000);
      fault.clearRecords();
      const tries = (row: Row) => (mode.retries && row.retriedRead ? 3 : 1);
      // A command whose outcome the answer left open is followed by one verification read.
      const verified = (row: Row) => (row.lost ? 1 : 0);
      async function send(row: Row): Promise<void> {
        // The command's verification read, when there is one, finds the package well: with the
        // breaker on, a faulty command, its faulty read and three faulty tries of the query would
        // otherwise be a streak of five that opens it.
        await apply("command", row.command);
        await gw.gql(MUTATION, { input: INPUT });
        fault.reset();
        await apply("package", row.read);
        await gw.gql(QUERY, { id: "1001" });
        // A good answer between faults also keeps the breaker from counting them as a streak.
        fault.reset();
        expect((await gw.gql(QUERY, { id: "1001" })).body).toStrictEqual({ data: GOOD_READ });
      }

      const settled = complete.filter((row) => !row.lost);
      for (const row of settled) await send(row);
      expect(fault.requests).toHaveLength(settled.reduce((sum, row) => sum + 2 + tries(row), 0));
      expect(fault.connections).toBe(1);
      expect(fault.openSockets).toBe(1);

      // The verification read leaves while the command's connection is still being handed back to
      // the pool, so it may take a second one; from then on both are reused, none is lost.
      const open = complete.filter((row) => row.lost);
      expect(open.length).toBeGreaterThanOrEqual(7);
      for (const row of open) await send(row);
      expect(fault.requests).toHaveLength(
        complete.reduce((sum, row) => sum + 2 + verified(row) + tries(row), 0),
      );
      expect(fault.connections).toBeLessThanOrEqual(2);
      expect(fault.openSockets).toBe(fault.connections);
      await expectPoolIdle();
      expect(crashes.take()).toStrictEqual([]);
    });

    it("keeps the open sockets bounded over repeated broken answers without any idle cleanup", async () => {
      const broken = table.filter((row) =>
        ["cutBody", "resetAfterHeaders", "resetAfterRequest"].includes(row.read.kind),
      );
      expect(broken).toHaveLength(5);
      // Only this test's connections count: none kept alive from an earlier one.
      fault.closeIdle();
      await fault.waitForOpenSockets(0, 1000);
      fault.clearRecords();
      let most = 0;
      for (let round = 0; round < 4; round++) {
        for (const row of broken) {
          await apply("command", row.command);
          await gw.gql(MUTATION, { input: INPUT });
          fault.reset();
          await apply("package", row.read);
          await gw.gql(QUERY, { id: "1001" });
          fault.reset();
          expect((await gw.gql(QUERY, { id: "1001" })).body).toStrictEqual({ data: GOOD_READ });
          await expectPoolIdle();
          most = Math.max(most, await fault.waitForOpenSockets(1, 500));
        }
      }
      // 40 faulty answers, each costing its connection, yet only the kept-alive one stays open.
      expect(fault.connections).toBeGreaterThanOrEqual(40);
      expect(most).toBe(1);
      await expectRecovered();
    });
  });
});

describe("the circuit breaker with the resilience defaults", () => {
  let fault: FaultServer;
  let gw: FaultGateway;
  const HALF_OPEN_MS = 1000;
  const crashes = watchCrashes();

  beforeAll(async () => {
    crashes.start();
    fault = await FaultServer.start();
    gw = await startFaultGateway(fault.url, {
      ...RESILIENCE_DEFAULTS.env,
      OMS_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    });
  });
  afterAll(async () => {
    crashes.stop();
    await gw?.close();
    await fault?.close();
  });

  it("opens after five connection failures, then fails fast with no connection to the OMS, and closes after a good probe", async () => {
    const unavailable = (message: string) => expectedBody({ code: "OMS_UNAVAILABLE", message }, "package");
    const refused = expectedBody(
      { code: "OMS_UNAVAILABLE", message: BREAKER_OPEN, reason: "OMS_CIRCUIT_OPEN" },
      "package",
    );
    fault.on("package", { kind: "resetAfterRequest" });

    // Three tries of the first read, two of the second: the fifth failure opens the breaker, which
    // refuses the second read's last try without calling the OMS.
    const first = requestId("breaker");
    expect
      .soft((await gw.gql(QUERY, { id: "1001" }, first)).body)
      .toStrictEqual(unavailable(unreachable("connection failed (ECONNRESET)")));
    expect(await gw.omsCalls(first)).toStrictEqual(Array(3).fill("GET package null"));
    const second = requestId("breaker");
    const opening = await gw.gql(QUERY, { id: "1001" }, second);
    const openedAt = performance.now();
    expect(opening.body).toStrictEqual(refused);
    expect(await gw.omsCalls(second)).toStrictEqual(Array(2).fill("GET package null"));
    expect(fault.routes()).toStrictEqual(Array(5).fill(`GET ${PACKAGE_PATH}`));

    // The OMS is good again, but the breaker does not know yet: nothing may reach it.
    fault.reset();
    fault.closeIdle();
    await fault.waitForOpenSockets(0, 500);
    fault.clearRecords();
    const read = await gw.gql(QUERY, { id: "1001" }, requestId("open"));
    expect(read.body).toStrictEqual(refused);
    expect(read.ms).toBeLessThan(RESILIENCE_DEFAULTS.deadline / 10);
    const id = requestId("open");
    const command = await gw.gql(MUTATION, { input: INPUT }, id);
    expect(command.body).toStrictEqual(
      expectedBody(
        { code: "OMS_UNAVAILABLE", message: BREAKER_OPEN, reason: "OMS_CIRCUIT_OPEN" },
        "updatePackageShipment",
      ),
    );
    expect(command.ms).toBeLessThan(RESILIENCE_DEFAULTS.deadline / 10);
    // Not sent, so nothing to verify: no verification read either.
    expect(await gw.omsCalls(id)).toStrictEqual([]);
    expect(performance.now() - openedAt).toBeLessThan(HALF_OPEN_MS);
    expect(fault.connections).toBe(0);
    expect(fault.requests).toStrictEqual([]);
    expect(await gw.getStatus("/health/live")).toBe(200);
    expect(gw.gateway.omsHttp.stats).toMatchObject({ pending: 0, running: 0 });

    // After the half-open delay one probe goes through; its success closes the breaker.
    await new Promise((resolve) => setTimeout(resolve, HALF_OPEN_MS - (performance.now() - openedAt) + 20));
    expect((await gw.gql(QUERY, { id: "1001" })).body).toStrictEqual({ data: GOOD_READ });
    expect((await gw.gql(MUTATION, { input: INPUT })).body).toStrictEqual({
      data: { updatePackageShipment: UPDATED },
    });
    expect(fault.routes()).toStrictEqual([`GET ${PACKAGE_PATH}`, `POST ${COMMAND_PATH}`]);
    expect(crashes.take()).toStrictEqual([]);
  });
});

/**
 * Records uncaught exceptions and unhandled rejections: the gateway runs in this process, and either
 * would stop it in production.
 */
function watchCrashes(): { start(): void; stop(): void; take(): string[] } {
  const seen: string[] = [];
  const record = (error: unknown) => {
    seen.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  return {
    start() {
      process.on("uncaughtException", record);
      process.on("unhandledRejection", record);
    },
    stop() {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    },
    take: () => seen.splice(0),
  };
}

/** Samples the process's RSS until stopped; returns the highest growth seen, in bytes. */
function watchRss(): { stop(): number } {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - base;
    },
  };
}

// The cap is 4 MiB; what the kernel buffers on loopback comes on top of what the gateway read. A
// gateway that read the whole body would have taken 50 MB off the wire and held it.
async function expectCutAtCap(rssGrowth: number, fault: FaultServer): Promise<void> {
  // The fault server counts once its socket has closed, which may follow the answer by a moment.
  await waitFor(() => fault.streamedBytes > 0, 1000);
  expect(fault.streamedBytes).toBeGreaterThan(4 * 1024 * 1024);
  expect(fault.streamedBytes).toBeLessThan(20 * 1024 * 1024);
  expect(rssGrowth).toBeLessThan(32 * 1024 * 1024);
}
