/**
 * The OMS client's command: the wire body it builds (OMS field names and JSON types) and how each
 * answer of the command endpoint maps to an outcome or an OmsError, Retry-After included.
 */
import { afterEach, describe, expect, it, onTestFinished, vi } from "vitest";
import { parseRetryAfter } from "../../src/oms/command-result.js";
import { toWireBody } from "../../src/oms/oms-client.js";
import { COMMAND, cleanups, clientFor, fakeOms, jsonReply, Reply, TRANSITION } from "../helpers/fake-oms.js";
import { rejection } from "../helpers/oms-error.js";

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("toWireBody", () => {
  it("uses the OMS field names and types", () => {
    const body = toWireBody(COMMAND, TRANSITION);
    expect(body).toStrictEqual({
      transition_id: 41,
      awb_number: "YK-777",
      cargo_company: 1,
      query_number: "Q-777",
    });
    expect(Object.keys(body).sort()).toEqual([
      "awb_number",
      "cargo_company",
      "query_number",
      "transition_id",
    ]);
  });

  it("omits query_number when there is none", () => {
    const body = toWireBody({ ...COMMAND, queryNumber: null }, TRANSITION);
    expect(body).toStrictEqual({ transition_id: 41, awb_number: "YK-777", cargo_company: 1 });
    expect("query_number" in body).toBe(false);
  });

  it("is what the command sends, once, to the package's command path", async () => {
    const oms = await fakeOms(() => ({ status: 204 }));
    await clientFor(oms.url).updateShipment({ ...COMMAND, queryNumber: null }, TRANSITION);
    expect(oms.requests).toHaveLength(1);
    expect(oms.requests[0]).toMatchObject({ method: "POST", url: "/api/v1/oms/packages/1001/command/" });
    expect(oms.requests[0]?.headers["content-type"]).toBe("application/json");
    expect(oms.requests[0]?.headers.authorization).toBe("Token tok-123");
    expect(JSON.parse(oms.requests[0]?.body ?? "")).toStrictEqual({
      transition_id: 41,
      awb_number: "YK-777",
      cargo_company: 1,
    });
  });
});

describe("command answers (mapCommandResponse)", () => {
  async function command(reply: Reply) {
    const oms = await fakeOms(() => reply);
    const outcome = clientFor(oms.url).updateShipment(COMMAND, TRANSITION);
    return { oms, outcome };
  }

  it("maps 204, and only 204, to applied", async () => {
    const { oms, outcome } = await command({ status: 204 });
    expect(await outcome).toEqual({ kind: "applied" });
    expect(oms.requests).toHaveLength(1);
  });

  it.each([200, 202])(
    "treats %i as an answer that leaves the outcome unknown, not as success (only 204 is documented)",
    async (status) => {
      const { oms, outcome } = await command(jsonReply(status, { ok: true }));
      const error = await rejection(outcome);
      expect(error.code).toBe("OMS_OUTCOME_UNKNOWN");
      expect(error.message).toBe(
        `The OMS answered the command with status ${status}; it may or may not have been applied.`,
      );
      expect(error.details).toEqual({ status, maybeApplied: true });
      expect(oms.requests).toHaveLength(1);
    },
  );

  const invalidRows: [string, string, string, Array<[string | null, string]>][] = [
    [
      "awb_number in the error envelope",
      '{"error": {"awb_number": ["Ensure this field has no more than 64 characters."]}, "status_code": 400}',
      "The OMS refused the input: trackingNumber: Ensure this field has no more than 64 characters.",
      [["trackingNumber", "Ensure this field has no more than 64 characters."]],
    ],
    [
      "cargo_company",
      '{"error": {"cargo_company": ["Invalid pk \\"99\\" - object does not exist."]}, "status_code": 400}',
      'The OMS refused the input: cargoCompanyId: Invalid pk "99" - object does not exist.',
      [["cargoCompanyId", 'Invalid pk "99" - object does not exist.']],
    ],
    [
      "query_number",
      '{"error": {"query_number": ["Too long."]}, "status_code": 400}',
      "The OMS refused the input: queryNumber: Too long.",
      [["queryNumber", "Too long."]],
    ],
    [
      "transition_id",
      '{"error": {"transition_id": ["A valid integer is required."]}, "status_code": 400}',
      "The OMS refused the input: transitionId: A valid integer is required.",
      [["transitionId", "A valid integer is required."]],
    ],
    [
      "a field the input does not have",
      '{"error": {"stock_location": ["Not allowed."]}, "status_code": 400}',
      "The OMS refused the input: Not allowed.",
      [[null, "Not allowed."]],
    ],
    [
      "a field named like an Object.prototype member",
      '{"error": {"toString": ["Odd."], "valueOf": ["Odder."]}}',
      "The OMS refused the input: Odd. (and 1 more)",
      [
        [null, "Odd."],
        [null, "Odder."],
      ],
    ],
    [
      "a nested field",
      '{"error": {"shipment": {"awb_number": ["Required."]}}}',
      "The OMS refused the input: Required.",
      [[null, "Required."]],
    ],
    [
      "several fields and messages, in order",
      '{"error": {"awb_number": ["A.", "B."], "cargo_company": ["C."]}, "status_code": 400}',
      "The OMS refused the input: trackingNumber: A. (and 2 more)",
      [
        ["trackingNumber", "A."],
        ["trackingNumber", "B."],
        ["cargoCompanyId", "C."],
      ],
    ],
    [
      "non_field_errors in the envelope",
      '{"error": {"non_field_errors": ["Package status is not suitable."]}, "status_code": 400}',
      "The OMS refused the input: Package status is not suitable.",
      [[null, "Package status is not suitable."]],
    ],
    [
      "DRF serializer errors at the top level",
      '{"awb_number": ["This field is required."]}',
      "The OMS refused the input: trackingNumber: This field is required.",
      [["trackingNumber", "This field is required."]],
    ],
    [
      "non_field_errors as a plain string",
      '{"non_field_errors": "Package status is not suitable."}',
      "The OMS refused the input: Package status is not suitable.",
      [[null, "Package status is not suitable."]],
    ],
    [
      "DRF detail",
      '{"detail": "Bad request."}',
      "The OMS refused the input: Bad request.",
      [[null, "Bad request."]],
    ],
    [
      "error as text",
      '{"error": "Invalid input."}',
      "The OMS refused the input: Invalid input.",
      [[null, "Invalid input."]],
    ],
    [
      "an empty body",
      "",
      "The OMS refused the input without saying why.",
      [[null, "The OMS refused the input without saying why."]],
    ],
    [
      "a proxy's HTML page",
      "<html><body><h1>400 Bad Request</h1>nginx internal-host-7</body></html>",
      "The OMS refused the input without saying why.",
      [[null, "The OMS refused the input without saying why."]],
    ],
  ];

  it.each(invalidRows)("maps 400 with %s to invalid", async (_name, body, message, problems) => {
    const { outcome } = await command({ status: 400, headers: { "content-type": "application/json" }, body });
    const result = await outcome;
    expect(result).toStrictEqual({
      kind: "invalid",
      message,
      problems: problems.map(([field, text]) => ({ field, message: text, code: "OMS_VALIDATION" })),
    });
    expect(JSON.stringify(result)).not.toContain("nginx");
  });

  it("maps 404 to invalid on packageId", async () => {
    const { outcome } = await command(jsonReply(404, { detail: "Not found." }));
    expect(await outcome).toStrictEqual({
      kind: "invalid",
      message: "The OMS has no package 1001.",
      problems: [{ field: "packageId", message: "The OMS has no package 1001.", code: "PACKAGE_NOT_FOUND" }],
    });
  });

  it.each([
    [
      "code and message",
      jsonReply(406, { error: { code: "transition_not_found", message: "Transition 99 does not exist." } }),
      "transition_not_found",
      "Transition 99 does not exist.",
    ],
    [
      "a message only",
      jsonReply(406, { error: "Package is locked by another command." }),
      "COMMAND_REJECTED",
      "Package is locked by another command.",
    ],
    ["an empty body", { status: 406 }, "COMMAND_REJECTED", "The OMS rejected the command."],
    [
      "an HTML body",
      {
        status: 406,
        headers: { "content-type": "text/html; charset=utf-8" },
        body: "<html><body>Not Acceptable: internal-proxy-3</body></html>",
      },
      "COMMAND_REJECTED",
      "The OMS rejected the command.",
    ],
    [
      "HTML labelled as JSON",
      {
        status: 406,
        headers: { "content-type": "application/json" },
        body: "<html><body>Not Acceptable: internal-proxy-3</body></html>",
      },
      "COMMAND_REJECTED",
      "The OMS rejected the command.",
    ],
  ] as [string, Reply, string, string][])(
    "maps 406 with %s to rejected",
    async (_name, reply, code, message) => {
      const { outcome } = await command(reply);
      const result = await outcome;
      expect(result).toStrictEqual({ kind: "rejected", packageId: 1001, code, message });
      expect(JSON.stringify(result)).not.toContain("internal-proxy");
      expect(JSON.stringify(result)).not.toContain("<");
    },
  );

  it.each([401, 403])("throws OMS_UNAUTHORIZED on %i", async (status) => {
    const { oms, outcome } = await command(jsonReply(status, { detail: "Invalid token." }));
    const error = await rejection(outcome);
    expect(error.code).toBe("OMS_UNAUTHORIZED");
    expect(error.message).toBe("The gateway's OMS credentials were refused.");
    expect(error.details).toEqual({ status });
    expect(oms.requests).toHaveLength(1);
  });

  it.each([
    ["seconds", "30", 30],
    ["an HTTP date in the past", "Wed, 21 Oct 2015 07:28:00 GMT", 0],
  ])("throws OMS_RATE_LIMITED on 429 with Retry-After as %s", async (_name, retryAfter, seconds) => {
    const { outcome } = await command(
      jsonReply(429, { detail: "Throttled." }, { "retry-after": retryAfter }),
    );
    const error = await rejection(outcome);
    expect(error.code).toBe("OMS_RATE_LIMITED");
    expect(error.details).toEqual({ status: 429, retryAfterSeconds: seconds });
  });

  it("reads a Retry-After HTTP date in the future as the seconds until then", async () => {
    // The date stands still, so "now" is the same when the date is written and when it is read.
    vi.useFakeTimers({ now: Date.parse("2026-11-25T10:00:00.000Z"), toFake: ["Date"] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const { outcome } = await command(jsonReply(429, {}, { "retry-after": "Wed, 25 Nov 2026 10:02:00 GMT" }));
    const { retryAfterSeconds } = (await rejection(outcome)).details;
    expect(retryAfterSeconds).toBe(120);
  });

  it.each([
    ["absent", undefined],
    ["unreadable", "soon"],
  ])("throws OMS_RATE_LIMITED without retryAfterSeconds when Retry-After is %s", async (_name, value) => {
    const { outcome } = await command(
      jsonReply(429, {}, value === undefined ? {} : { "retry-after": value }),
    );
    const error = await rejection(outcome);
    expect(error.code).toBe("OMS_RATE_LIMITED");
    expect(error.details).toStrictEqual({ status: 429 });
  });

  it("parses Retry-After against a given clock", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:26:00 GMT");
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:00 GMT", now)).toBe(120);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:26:00 GMT", now + 1)).toBe(0);
    expect(parseRetryAfter(" 7 ", now)).toBe(7);
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter("soon", now)).toBeUndefined();
  });

  it("caps Retry-After at an hour and ignores a value too large to be a number", () => {
    const now = Date.parse("Wed, 21 Oct 2015 07:26:00 GMT");
    expect(parseRetryAfter("3600", now)).toBe(3600);
    expect(parseRetryAfter("3601", now)).toBe(3600);
    expect(parseRetryAfter("99999999999999999999999", now)).toBe(3600);
    expect(parseRetryAfter("Fri, 31 Dec 9999 23:59:59 GMT", now)).toBe(3600);
    expect(parseRetryAfter("9".repeat(400), now)).toBeUndefined();
  });

  // The command was sent: a redirect, or a 5xx from the OMS or a proxy before it, says nothing about
  // whether it was applied.
  it.each([301, 307, 500, 502, 503, 504])(
    "throws OMS_OUTCOME_UNKNOWN on %i and does not send again",
    async (status) => {
      const { oms, outcome } = await command({
        status,
        headers: { location: "http://127.0.0.1:1/elsewhere/", "content-type": "text/html" },
        body: "<html>upstream failure</html>",
      });
      const error = await rejection(outcome);
      expect(error.code).toBe("OMS_OUTCOME_UNKNOWN");
      expect(error.message).toBe(
        `The OMS answered the command with status ${status}; it may or may not have been applied.`,
      );
      expect(error.message).not.toContain("upstream failure");
      expect(error.details).toEqual({ status, maybeApplied: true });
      expect(oms.requests).toHaveLength(1);
    },
  );
});
