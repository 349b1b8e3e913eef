import nodeHttp, { type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { OmsError } from "../src/domain/errors.js";
import type { PackageStatus } from "../src/domain/package.js";
import type { ShipmentCommandBody } from "../src/domain/ports.js";
import { parseRetryAfter } from "../src/oms/command-result.js";
import { OmsHttp } from "../src/oms/http.js";
import { OmsClient, toWireBody } from "../src/oms/oms-client.js";
import { rejection } from "./helpers/oms-error.js";

interface SeenRequest {
  method: string;
  url: string;
  headers: nodeHttp.IncomingHttpHeaders;
  body: string;
}

interface Reply {
  status: number;
  headers?: OutgoingHttpHeaders;
  body?: string;
}

type Handler = (req: SeenRequest, res: ServerResponse, raw: IncomingMessage) => Reply | undefined;

interface FakeOms {
  url: string;
  requests: SeenRequest[];
  connections: number;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Private: a loopback OMS whose answers the test programs; a handler returning undefined answers itself.
async function fakeOms(handler: Handler): Promise<FakeOms> {
  const requests: SeenRequest[] = [];
  const server = nodeHttp.createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on("data", (chunk: Buffer) => chunks.push(chunk));
    raw.on("end", () => {
      const seen = {
        method: raw.method ?? "",
        url: raw.url ?? "",
        headers: raw.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(seen);
      const reply = handler(seen, res, raw);
      if (reply === undefined) return;
      res.writeHead(reply.status, reply.headers ?? {});
      res.end(reply.body ?? "");
    });
  });
  const fake: FakeOms = { url: "", requests, connections: 0 };
  server.on("connection", () => {
    fake.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return fake;
}

function clientFor(
  baseUrl: string,
  options: {
    statusMap?: ReadonlyMap<string, PackageStatus>;
    timeoutMs?: number;
    maxResponseBytes?: number;
  } = {},
): OmsClient {
  const http = new OmsHttp({
    baseUrl,
    authorization: "Token tok-123",
    timeoutMs: options.timeoutMs ?? 2_000,
    maxConnections: 4,
    maxResponseBytes: options.maxResponseBytes,
  });
  cleanups.push(() => http.close());
  return new OmsClient(http, {
    statusMap: options.statusMap ?? new Map(),
    cargoCompaniesPath: "/api/v1/oms/cargo_companies/",
  });
}

function jsonReply(status: number, body: unknown, headers: OutgoingHttpHeaders = {}): Reply {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}

const COMMAND: ShipmentCommandBody = {
  transitionId: 41,
  trackingNumber: "YK-777",
  queryNumber: "Q-777",
  cargoCompanyId: 1,
};

describe("toWireBody", () => {
  it("uses the OMS field names and types", () => {
    const body = toWireBody(COMMAND);
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
    const body = toWireBody({ ...COMMAND, queryNumber: null });
    expect(body).toStrictEqual({ transition_id: 41, awb_number: "YK-777", cargo_company: 1 });
    expect("query_number" in body).toBe(false);
  });

  it("is what the command sends, once, to the package's command path", async () => {
    const oms = await fakeOms(() => ({ status: 204 }));
    await clientFor(oms.url).updateShipment(1001, { ...COMMAND, queryNumber: null });
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
    const outcome = clientFor(oms.url).updateShipment(1001, COMMAND);
    return { oms, outcome };
  }

  it("maps 204 to updated with the values sent", async () => {
    const { oms, outcome } = await command({ status: 204 });
    expect(await outcome).toEqual({
      kind: "updated",
      packageId: 1001,
      shipment: { trackingNumber: "YK-777", queryNumber: "Q-777", cargoCompanyId: 1 },
    });
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
    const at = new Date((Math.floor(Date.now() / 1000) + 120) * 1000).toUTCString();
    const { outcome } = await command(jsonReply(429, {}, { "retry-after": at }));
    const { retryAfterSeconds } = (await rejection(outcome)).details;
    expect(retryAfterSeconds).toBeGreaterThanOrEqual(118);
    expect(retryAfterSeconds).toBeLessThanOrEqual(120);
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

describe("command transport failures", () => {
  it("throws OMS_OUTCOME_UNKNOWN when the connection drops after the command was sent", async () => {
    const oms = await fakeOms((_req, _res, raw) => {
      raw.socket.destroy();
      return undefined;
    });
    const error = await rejection(clientFor(oms.url).updateShipment(1001, COMMAND));
    expect(error.code).toBe("OMS_OUTCOME_UNKNOWN");
    expect(error.details.maybeApplied).toBe(true);
    expect(error.details.cause).toBeInstanceOf(OmsError);
    expect((error.details.cause as OmsError).code).toBe("OMS_UNAVAILABLE");
    expect(oms.requests).toHaveLength(1);
  });

  it("throws OMS_OUTCOME_UNKNOWN when no answer arrives within the deadline", async () => {
    const oms = await fakeOms(() => undefined);
    const error = await rejection(clientFor(oms.url, { timeoutMs: 200 }).updateShipment(1001, COMMAND));
    expect(error.code).toBe("OMS_OUTCOME_UNKNOWN");
    expect(error.message).toBe(
      "The OMS did not answer the command in time; it may or may not have been applied.",
    );
    expect(oms.requests).toHaveLength(1);
  });

  it("throws OMS_UNAVAILABLE, not an unknown outcome, when the command never left", async () => {
    const server = nodeHttp.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const error = await rejection(clientFor(`http://127.0.0.1:${port}`).updateShipment(1001, COMMAND));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.details.maybeApplied).toBe(false);
  });
});

describe("getPackage", () => {
  const PACKAGE = {
    id: 1001,
    number: "PKG-1001",
    state: { id: 5, name: "Packed", enum_class: "PackageStatus", enum_value: "500" },
    commands: [],
    order_id: 77,
    order_number: "ORD-77",
    shipment: { awb_number: "YK1001", query_number: null, cargo_company: 1 },
    shipping_label: { url: "https://labels.example.com/1001.pdf", modified_date: "2024-05-01T10:00:00Z" },
    stock_location: { id: 1 },
    created_date: "2024-04-30T08:00:00Z",
    modified_date: "2024-05-01T10:00:00Z",
  };

  it("reads and maps a package", async () => {
    const oms = await fakeOms(() => jsonReply(200, PACKAGE));
    expect(await clientFor(oms.url).getPackage(1001)).toStrictEqual({
      id: 1001,
      number: "PKG-1001",
      status: "packed",
      statusName: "Packed",
      shipment: { trackingNumber: "YK1001", queryNumber: null, cargoCompanyId: 1 },
      label: { url: "https://labels.example.com/1001.pdf", updatedAt: "2024-05-01T10:00:00Z" },
      orderNumber: "ORD-77",
      modifiedAt: "2024-05-01T10:00:00Z",
    });
    expect(oms.requests).toEqual([
      expect.objectContaining({ method: "GET", url: "/api/v1/oms/packages/1001/", body: "" }),
    ]);
    expect(oms.requests[0]?.headers["content-type"]).toBeUndefined();
  });

  it("maps a package without shipment or label", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, { id: 1005, state: { name: "Waiting", enum_value: "100" }, shipment: null }),
    );
    expect(await clientFor(oms.url).getPackage(1005)).toStrictEqual({
      id: 1005,
      number: null,
      status: "waiting",
      statusName: "Waiting",
      shipment: null,
      label: null,
      orderNumber: null,
      modifiedAt: null,
    });
  });

  it("takes modifiedAt from the package's own modified_date, apart from the label's", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, {
        ...PACKAGE,
        shipping_label: { url: "https://labels.example.com/1001.pdf", modified_date: "2024-05-01T10:00:00Z" },
        modified_date: "2024-05-02T11:30:00Z",
      }),
    );
    const pkg = await clientFor(oms.url).getPackage(1001);
    expect(pkg?.modifiedAt).toBe("2024-05-02T11:30:00Z");
    expect(pkg?.label?.updatedAt).toBe("2024-05-01T10:00:00Z");
  });

  it("reads a cargo company sent as an object", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, {
        ...PACKAGE,
        shipment: { awb_number: "MN1003", query_number: "Q", cargo_company: { id: 3 } },
      }),
    );
    expect((await clientFor(oms.url).getPackage(1003))?.shipment).toStrictEqual({
      trackingNumber: "MN1003",
      queryNumber: "Q",
      cargoCompanyId: 3,
    });
  });

  const statusRows: [
    string,
    Record<string, unknown> | undefined,
    Record<string, PackageStatus>,
    PackageStatus,
    string,
  ][] = [
    ["public number 100", { name: "Waiting", enum_value: "100" }, {}, "waiting", "Waiting"],
    ["public number over the name", { name: "Something", enum_value: "200" }, {}, "preparing", "Something"],
    [
      "public number 400",
      { name: "Ready for Packaging", enum_value: "400" },
      {},
      "ready_for_packaging",
      "Ready for Packaging",
    ],
    ["public number sent as a number", { enum_value: 500 }, {}, "packed", "500"],
    ["OMS_STATUS_MAP", { name: "Versandt", enum_value: "600" }, { "600": "shipped" }, "shipped", "Versandt"],
    [
      "OMS_STATUS_MAP over the name",
      { name: "Shipped", enum_value: "600" },
      { "600": "delivered" },
      "delivered",
      "Shipped",
    ],
    [
      "OMS_STATUS_MAP over a public number",
      { name: "Packed", enum_value: "500" },
      { "500": "shipped" },
      "shipped",
      "Packed",
    ],
    ["an unknown number by name", { name: "Shipped", enum_value: "700" }, {}, "shipped", "Shipped"],
    [
      "a name with spaces",
      { name: "Attempted Delivery", enum_value: "930" },
      {},
      "attempted_delivery",
      "Attempted Delivery",
    ],
    [
      "a name with a hyphen",
      { name: "delivery-failed", enum_value: "940" },
      {},
      "delivery_failed",
      "delivery-failed",
    ],
    ["a padded upper-case name", { name: "  CANCELLED " }, {}, "cancelled", "  CANCELLED "],
    ["an unknown status", { name: "Out of Stock", enum_value: "920" }, {}, "other", "Out of Stock"],
    ["an unknown number without a name", { enum_value: "920" }, {}, "other", "920"],
    ["a state named other", { name: "Other" }, {}, "other", "Other"],
    ["no state", undefined, {}, "other", ""],
  ];

  it.each(statusRows)("recognises the status by %s", async (_name, state, map, status, statusName) => {
    const oms = await fakeOms(() => jsonReply(200, { id: 1, state }));
    const record = await clientFor(oms.url, { statusMap: new Map(Object.entries(map)) }).getPackage(1);
    expect(record?.status).toBe(status);
    expect(record?.statusName).toBe(statusName);
  });

  it("answers null for 404", async () => {
    const oms = await fakeOms(() => jsonReply(404, { detail: "Not found." }));
    expect(await clientFor(oms.url).getPackage(9999)).toBeNull();
  });

  it.each([
    [
      "malformed JSON",
      { status: 200, headers: { "content-type": "application/json" }, body: '{"id": 1001,' },
      "non-JSON answer",
    ],
    [
      "an HTML page",
      { status: 200, headers: { "content-type": "text/html" }, body: "<html>hi</html>" },
      "non-JSON answer",
    ],
    ["an array", jsonReply(200, [PACKAGE]), "package"],
    ["a string", jsonReply(200, "package"), "package"],
    ["null", jsonReply(200, null), "package"],
    ["an id that is not an integer", jsonReply(200, { ...PACKAGE, id: "1001" }), "package"],
    ["an empty body", { status: 200 }, "non-JSON answer"],
  ] as [string, Reply, string][])("throws OMS_UNAVAILABLE for %s", async (_name, reply, what) => {
    const oms = await fakeOms(() => reply);
    const error = await rejection(clientFor(oms.url).getPackage(1001));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe(`The OMS sent a malformed ${what}.`);
  });

  it("throws OMS_UNAVAILABLE for an answer cut at the size cap", async () => {
    const oms = await fakeOms(() => jsonReply(200, { ...PACKAGE, padding: "x".repeat(4096) }));
    const error = await rejection(clientFor(oms.url, { maxResponseBytes: 1024 }).getPackage(1001));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe("The OMS sent a malformed incomplete or oversized answer.");
  });

  it("throws OMS_UNAVAILABLE when the body is still trickling in at the deadline", async () => {
    let timer: NodeJS.Timeout | undefined;
    const oms = await fakeOms((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id": 1001, "padding": "');
      timer = setInterval(() => {
        if (!res.destroyed) res.write("x");
      }, 50);
      return undefined;
    });
    cleanups.push(async () => clearInterval(timer));
    const started = performance.now();
    const error = await rejection(clientFor(oms.url, { timeoutMs: 300 }).getPackage(1001));
    expect(performance.now() - started).toBeLessThan(900);
    expect(error.code).toBe("OMS_UNAVAILABLE");
  });

  it.each([
    [500, "OMS_UNAVAILABLE"],
    [401, "OMS_UNAUTHORIZED"],
    [429, "OMS_RATE_LIMITED"],
  ])("throws on %i", async (status, code) => {
    const oms = await fakeOms(() => jsonReply(status, { detail: "No." }));
    expect((await rejection(clientFor(oms.url).getPackage(1001))).code).toBe(code);
  });
});

describe("listCargoCompanies", () => {
  const PATH = "/api/v1/oms/cargo_companies/";

  it("follows next across pages and accepts pk for id", async () => {
    const oms = await fakeOms((req) => {
      if (req.url === `${PATH}?page_size=100`) {
        return jsonReply(200, {
          count: 6,
          next: `${oms.url}${PATH}?page=2&page_size=100`,
          previous: null,
          results: [
            { id: 1, name: "Yurtiçi Kargo", erp_code: "yurtici-kargo", shipping_company: "yurtici" },
            { pk: 2, name: "Aras Kargo", erp_code: "aras-kargo", shipping_company: "aras" },
          ],
        });
      }
      if (req.url === `${PATH}?page=2&page_size=100`) {
        return jsonReply(200, {
          count: 6,
          next: `${oms.url}${PATH}?page=3&page_size=100`,
          previous: `${oms.url}${PATH}?page_size=100`,
          results: [{ id: 3, name: "MNG Kargo" }, { id: "4", name: "No numeric id" }, { id: 5 }, null],
        });
      }
      if (req.url === `${PATH}?page=3&page_size=100`) {
        return jsonReply(200, {
          count: 6,
          next: null,
          previous: `${oms.url}${PATH}?page=2&page_size=100`,
          results: [{ pk: 6, name: "UPS", erp_code: null, shipping_company: "ups" }],
        });
      }
      return jsonReply(404, { detail: "Not found." });
    });
    expect(await clientFor(oms.url).listCargoCompanies()).toStrictEqual([
      { id: 1, name: "Yurtiçi Kargo", erpCode: "yurtici-kargo", shippingCompany: "yurtici" },
      { id: 2, name: "Aras Kargo", erpCode: "aras-kargo", shippingCompany: "aras" },
      { id: 3, name: "MNG Kargo", erpCode: null, shippingCompany: null },
      { id: 6, name: "UPS", erpCode: null, shippingCompany: "ups" },
    ]);
    expect(oms.requests.map((r) => r.url)).toEqual([
      `${PATH}?page_size=100`,
      `${PATH}?page=2&page_size=100`,
      `${PATH}?page=3&page_size=100`,
    ]);
    expect(oms.requests.every((r) => r.method === "GET" && r.headers.authorization === "Token tok-123")).toBe(
      true,
    );
  });

  it("keeps the base URL's path prefix when following next", async () => {
    const oms = await fakeOms((req) =>
      req.url === `/oms${PATH}?page_size=100`
        ? jsonReply(200, { next: `${oms.url}/oms${PATH}?page=2`, results: [{ id: 1, name: "A" }] })
        : jsonReply(200, { next: null, results: [{ id: 2, name: "B" }] }),
    );
    const companies = await clientFor(`${oms.url}/oms`).listCargoCompanies();
    expect(companies.map((c) => c.id)).toEqual([1, 2]);
    expect(oms.requests.map((r) => r.url)).toEqual([`/oms${PATH}?page_size=100`, `/oms${PATH}?page=2`]);
  });

  it("refuses a next link on another origin and sends nothing there", async () => {
    const elsewhere = await fakeOms(() => jsonReply(200, { next: null, results: [] }));
    const oms = await fakeOms(() =>
      jsonReply(200, { next: `${elsewhere.url}${PATH}?page=2`, results: [{ id: 1, name: "A" }] }),
    );
    const error = await rejection(clientFor(oms.url).listCargoCompanies());
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe("The OMS sent a malformed pagination link.");
    expect(oms.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    expect(elsewhere.connections).toBe(0);
  });

  it("refuses a next link that only changes the scheme", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, { next: `${oms.url.replace("http:", "https:")}${PATH}?page=2`, results: [] }),
    );
    expect((await rejection(clientFor(oms.url).listCargoCompanies())).code).toBe("OMS_UNAVAILABLE");
    expect(oms.requests).toHaveLength(1);
  });

  it("stops after 100 pages of an endless chain", async () => {
    const oms = await fakeOms((req) => {
      const page = Number(new URL(req.url, oms.url).searchParams.get("page") ?? "1");
      return jsonReply(200, {
        next: `${oms.url}${PATH}?page=${page + 1}`,
        results: [{ id: page, name: `Carrier ${page}` }],
      });
    });
    const companies = await clientFor(oms.url).listCargoCompanies();
    expect(oms.requests).toHaveLength(100);
    expect(companies).toHaveLength(100);
    expect(companies.at(-1)).toStrictEqual({
      id: 100,
      name: "Carrier 100",
      erpCode: null,
      shippingCompany: null,
    });
  });

  it.each([
    ["results that are not a list", jsonReply(200, { next: null, results: {} }), "OMS_UNAVAILABLE"],
    ["a page that is a list", jsonReply(200, [{ id: 1, name: "A" }]), "OMS_UNAVAILABLE"],
    ["a failing OMS", jsonReply(502, {}), "OMS_UNAVAILABLE"],
    ["refused credentials", jsonReply(403, {}), "OMS_UNAUTHORIZED"],
  ] as [string, Reply, string][])("throws for %s", async (_name, reply, code) => {
    const oms = await fakeOms(() => reply);
    expect((await rejection(clientFor(oms.url).listCargoCompanies())).code).toBe(code);
  });
});
