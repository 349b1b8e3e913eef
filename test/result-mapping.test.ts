/**
 * The contract's result mapping, row by row, over real HTTP: what the caller gets back from the gateway
 * and exactly what the gateway sent to the (simulated) OMS to get there.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { Fault, FaultRule, RecordedRequest } from "../src/simulator/index.js";
import {
  PackageSummaryDocument,
  UpdatePackageShipmentDocument,
  type UpdatePackageShipmentInput,
  UpdatePackageShipmentWithPackageDocument,
  UpdateShipmentOnlyDocument,
} from "./generated/operations.js";
import { type Harness, startHarness } from "./helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const packagePath = (id: number | string) => `/api/v1/oms/packages/${id}/`;
const commandPath = (id: number | string) => `/api/v1/oms/packages/${id}/command/`;
/** The fault for the next command on package 1001, the one `input()` targets. */
const onNextCommand = (fault: Fault): FaultRule => ({
  method: "POST",
  path: commandPath(1001),
  times: 1,
  fault,
});
const CARGO_LIST = "GET /api/v1/oms/cargo_companies/?page_size=100";
const POST_1001 = `POST ${commandPath(1001)}`;
const GET_1001 = `GET ${packagePath(1001)}`;

/** Every OMS request as "METHOD /path?query", in arrival order. */
function routes(h: Harness): string[] {
  return h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`);
}

interface WireBody {
  transition_id: number;
  awb_number: string;
  cargo_company: number;
  query_number?: string;
}

/** The command request exactly as the OMS must receive it: method, path, credentials, JSON types. */
function expectCommandSent(req: RecordedRequest | undefined, packageId: number, body: WireBody): void {
  expect(req, "a command request").toBeDefined();
  const sent = req as RecordedRequest;
  expect(sent.method).toBe("POST");
  expect(sent.path).toBe(commandPath(packageId));
  expect(sent.search).toBe("");
  expect(sent.headers.authorization).toBe("Token demo-oms-token");
  expect(sent.headers["content-type"]).toBe("application/json");
  const json = JSON.parse(sent.rawBody) as Record<string, unknown>;
  // Types first, so a "41" sent for 41 fails with a readable message.
  const types = Object.fromEntries(Object.entries(json).map(([key, value]) => [key, typeof value]));
  const expectedTypes: Record<string, string> = {
    transition_id: "number",
    awb_number: "string",
    cargo_company: "number",
    ...("query_number" in body ? { query_number: "string" } : {}),
  };
  expect(types).toStrictEqual(expectedTypes);
  expect(json).toStrictEqual(body);
}

const input = (overrides: Partial<UpdatePackageShipmentInput> = {}): UpdatePackageShipmentInput => ({
  packageId: "1001",
  cargoCompanyId: "2",
  trackingNumber: "AR-2026-0001",
  transitionId: 41,
  ...overrides,
});

/** A loopback server that records whatever reaches it, to prove that nothing did. */
async function startBystander(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port that nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

// ---------------------------------------------------------------------------------------------

let h: Harness;

// No cargo company caching between requests, so each test sees exactly the OMS calls it caused.
const NO_CATALOGUE_CACHE = { CARGO_COMPANIES_TTL_SECONDS: "0" };

beforeAll(async () => {
  h = await startHarness(NO_CATALOGUE_CACHE);
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

describe("204 → ShipmentUpdated", () => {
  it("returns the shipment from the command itself, with no other OMS call when package is not selected", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({ trackingNumber: "AR-204-1", queryNumber: "Q-204" }),
    });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toStrictEqual({
      updatePackageShipment: {
        __typename: "ShipmentUpdated",
        shipment: { trackingNumber: "AR-204-1", queryNumber: "Q-204" },
      },
    });
    expect(routes(h)).toStrictEqual([POST_1001]);
    expectCommandSent(h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-204-1",
      cargo_company: 2,
      query_number: "Q-204",
    });
    expect(h.sim.getPackage(1001)?.shipment).toStrictEqual({
      awb_number: "AR-204-1",
      query_number: "Q-204",
      cargo_company: 2,
    });
  });

  it("sends no query_number when the caller gives none, and reports the shipment without one", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "AR-204-2" }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "AR-204-2", queryNumber: null },
    });
    expect(routes(h)).toStrictEqual([POST_1001]);
    expectCommandSent(h.commands()[0], 1001, { transition_id: 41, awb_number: "AR-204-2", cargo_company: 2 });
  });

  it("costs one cargo company list read when the shipment's cargo company is selected", async () => {
    const res = await h.gql(UpdatePackageShipmentDocument, { input: input({ trackingNumber: "AR-204-3" }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: {
        trackingNumber: "AR-204-3",
        queryNumber: null,
        cargoCompany: { id: "2", name: "Aras Kargo" },
      },
    });
    expect(routes(h)).toStrictEqual([POST_1001, CARGO_LIST]);
  });

  it("reads the package lazily after the command when it is selected, showing the regenerated label", async () => {
    const before = h.sim.getPackage(1001);
    expect(before?.shipping_label?.url).toBe(`${h.sim.url}/labels/1001/1.pdf`);

    const res = await h.gql(UpdatePackageShipmentWithPackageDocument, {
      input: { packageId: "1001", cargoCompanyId: "5", trackingNumber: "SU-204-4", queryNumber: "Q-4" },
    });

    const after = h.sim.getPackage(1001);
    expect(after?.shipping_label?.url).toMatch(new RegExp(`^${h.sim.url}/labels/1001/\\d+\\.pdf$`));
    expect(after?.shipping_label?.url).not.toBe(before?.shipping_label?.url);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "SU-204-4", queryNumber: "Q-4" },
      package: {
        id: "1001",
        status: "PACKED",
        statusName: "Packed",
        shipment: {
          trackingNumber: "SU-204-4",
          queryNumber: "Q-4",
          cargoCompany: { id: "5", name: "Sürat Kargo" },
        },
        label: { url: after?.shipping_label?.url, updatedAt: after?.shipping_label?.modified_date },
      },
    });
    // The read that chose the transition is not reused: the package is read again after the command.
    expect(routes(h)).toStrictEqual([GET_1001, POST_1001, GET_1001, CARGO_LIST]);
    expectCommandSent(h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "SU-204-4",
      cargo_company: 5,
      query_number: "Q-4",
    });
  });
});

describe("204, then the lazy ShipmentUpdated.package read fails", () => {
  it("stays ShipmentUpdated with its shipment, package null and the read's error at that path; the command was sent once", async () => {
    h.sim.injectFault({
      method: "GET",
      path: packagePath(1001),
      fault: { kind: "status", status: 503, body: '{"detail": "Service unavailable"}' },
    });

    const res = await h.gql(UpdatePackageShipmentWithPackageDocument, {
      input: input({ trackingNumber: "AR-204-READ", queryNumber: "Q-READ" }),
    });

    expect(res.status).toBe(200);
    expect(res.body.data).toStrictEqual({
      updatePackageShipment: {
        __typename: "ShipmentUpdated",
        shipment: { trackingNumber: "AR-204-READ", queryNumber: "Q-READ" },
        package: null,
      },
    });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered with an unexpected status (503).",
      path: ["updatePackageShipment", "package"],
      extensions: { code: "OMS_UNAVAILABLE" },
    });
    // The command first (the caller named the transition), then the one failed read: nothing re-sent.
    expect(routes(h)).toStrictEqual([POST_1001, GET_1001]);
    expect(h.commands()).toHaveLength(1);
    expectCommandSent(h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-204-READ",
      cargo_company: 2,
      query_number: "Q-READ",
    });
    expect(h.sim.getPackage(1001)?.shipment).toStrictEqual({
      awb_number: "AR-204-READ",
      query_number: "Q-READ",
      cargo_company: 2,
    });
  });
});

describe("a 2xx that is not the OMS's 204", () => {
  it("a 200 HTML page on the command (a proxy's sign-in page) is not ShipmentUpdated: OMS_OUTCOME_UNKNOWN after one verification read, and the command is never sent twice", async () => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 200,
        body: "<html><body>Sign in</body></html>",
        headers: { "content-type": "text/html" },
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "PROXY-1" }) });

    // Nothing was applied here, and the package still shows YK1001: the read cannot prove otherwise.
    expect(h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered the command with status 200; it may or may not have been applied.",
      path: ["updatePackageShipment"],
      extensions: { code: "OMS_OUTCOME_UNKNOWN" },
    });
    expect(res.text).not.toContain("Sign in");
    expect(routes(h)).toStrictEqual([POST_1001, GET_1001]);
    expectCommandSent(h.commands()[0], 1001, { transition_id: 41, awb_number: "PROXY-1", cargo_company: 2 });
  });
});

describe("400 → ValidationError", () => {
  it("maps the OMS's refusal of an unknown cargo company to input.cargoCompanyId", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ cargoCompanyId: "99" }) });

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual([
      {
        path: ["input", "cargoCompanyId"],
        message: 'Invalid pk "99" - object does not exist.',
        code: "OMS_VALIDATION",
      },
    ]);
    expect(result.message).toContain('Invalid pk "99" - object does not exist.');
    expect(routes(h)).toStrictEqual([POST_1001]);
    expectCommandSent(h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 99,
    });
    expect(h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });

  const fields = {
    awb_number: ["Tracking number refused."],
    query_number: ["Query number refused.", "Query number too odd."],
    transition_id: ["Transition refused."],
    cargo_company: ["Cargo company refused."],
    weird: ["Something else refused."],
  };
  const everyFieldMapped = [
    { path: ["input", "trackingNumber"], message: "Tracking number refused.", code: "OMS_VALIDATION" },
    { path: ["input", "queryNumber"], message: "Query number refused.", code: "OMS_VALIDATION" },
    { path: ["input", "queryNumber"], message: "Query number too odd.", code: "OMS_VALIDATION" },
    { path: ["input", "transitionId"], message: "Transition refused.", code: "OMS_VALIDATION" },
    { path: ["input", "cargoCompanyId"], message: "Cargo company refused.", code: "OMS_VALIDATION" },
    { path: ["input"], message: "Something else refused.", code: "OMS_VALIDATION" },
  ];

  it.each([
    ["bare field errors", JSON.stringify(fields)],
    ["field errors in the error envelope", JSON.stringify({ error: fields, status_code: 400 })],
  ])("maps every OMS field name to its input path, and others to the input (%s)", async (_, body) => {
    h.sim.injectFault(onNextCommand({ kind: "status", status: 400, body }));

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ queryNumber: "Q-1" }) });

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual(everyFieldMapped);
    expect(routes(h)).toStrictEqual([POST_1001]);
  });

  it("maps non_field_errors (package 1005 is Waiting) to the input as a whole", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "1005", transitionId: 41 }),
    });

    const message =
      "Shipment info cannot be updated while the package is Waiting; " +
      "the package must be Packed, Shipped, Delivered or Attempted Delivery.";
    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual([{ path: ["input"], message, code: "OMS_VALIDATION" }]);
    // The summary's wording is the gateway's; it must carry the OMS's own sentence.
    expect(result.message).toContain(message);
    expect(routes(h)).toStrictEqual([`POST ${commandPath(1005)}`]);
    expectCommandSent(h.commands()[0], 1005, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
  });

  it("turns a 400 whose body says nothing readable into one problem on the input, without echoing it", async () => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 400,
        body: "<html>proxy says no</html>",
        headers: { "content-type": "text/html" },
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    const result = res.body.data?.updatePackageShipment;
    expect(result?.__typename).toBe("ValidationError");
    if (result?.__typename !== "ValidationError") return;
    expect(result.fieldErrors).toStrictEqual([
      { path: ["input"], message: "The OMS refused the input without saying why.", code: "OMS_VALIDATION" },
    ]);
    expect(result.message).toBe("The OMS refused the input without saying why.");
    expect(res.text).not.toContain("proxy says no");
    expect(res.text).not.toContain("html");
  });
});

describe("404 on the command → ValidationError on packageId", () => {
  it("when the command itself answers 404 (transitionId given, so no read first)", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ packageId: "999999" }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ValidationError",
      message: "The OMS has no package 999999.",
      fieldErrors: [
        {
          path: ["input", "packageId"],
          message: "The OMS has no package 999999.",
          code: "PACKAGE_NOT_FOUND",
        },
      ],
    });
    expect(routes(h)).toStrictEqual([`POST ${commandPath(999999)}`]);
    expectCommandSent(h.commands()[0], 999999, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
  });

  it("when the package read for the configured transition answers 404, and no command is sent", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "999999", transitionId: null }),
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ValidationError",
      message: "The OMS has no package 999999.",
      fieldErrors: [
        {
          path: ["input", "packageId"],
          message: "The OMS has no package 999999.",
          code: "PACKAGE_NOT_FOUND",
        },
      ],
    });
    expect(routes(h)).toStrictEqual([`GET ${packagePath(999999)}`]);
  });
});

describe("406 → CommandRejected", () => {
  it.each([
    ["transition_not_found", 99, "Transition 99 does not exist."],
    [
      "transition_not_allowed",
      50,
      "Transition 50 moves a package from Packed to Shipped; updating shipment info needs a transition that keeps the status.",
    ],
    ["transition_state_mismatch", 42, "Transition 42 runs on Shipped packages, but package 1001 is Packed."],
  ])("passes on the OMS code %s and its message", async (code, transitionId, message) => {
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ transitionId }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code,
      message,
      packageId: "1001",
    });
    expect(routes(h)).toStrictEqual([POST_1001]);
    expectCommandSent(h.commands()[0], 1001, {
      transition_id: transitionId,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
    expect(h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });

  it("passes on package_locked while another command on the same package is still running", async () => {
    h.sim.injectFault(onNextCommand({ kind: "latency", ms: 400 }));

    const first = h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "LOCK-A" }) });
    await vi.waitFor(() => expect(h.sim.stats.commandsInFlight).toBe(1), { timeout: 3_000, interval: 5 });
    const second = await h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "LOCK-B" }) });

    expect(second.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "package_locked",
      message: "Package 1001 is locked by another command; try again later.",
      packageId: "1001",
    });
    expect((await first).body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "LOCK-A", queryNumber: null },
    });
    expect(routes(h)).toStrictEqual([POST_1001, POST_1001]);
    expectCommandSent(h.commands()[1], 1001, { transition_id: 41, awb_number: "LOCK-B", cargo_company: 2 });
    expect(h.sim.getPackage(1001)?.shipment?.awb_number).toBe("LOCK-A");
  });

  it.each([
    ["an empty body", undefined, undefined],
    ["an HTML page", "<html><body>406 Not Acceptable</body></html>", { "content-type": "text/html" }],
    ["JSON without a code", '{"unexpected": true}', undefined],
  ])("answers code COMMAND_REJECTED for a 406 with %s", async (_, body, headers) => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 406,
        ...(body === undefined ? {} : { body }),
        ...(headers ? { headers } : {}),
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "COMMAND_REJECTED",
      message: "The OMS rejected the command.",
      packageId: "1001",
    });
    expect(res.text).not.toContain("Not Acceptable");
  });

  it("keeps the OMS message of a 406 that has one but no code", async () => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 406,
        body: '{"error": {"message": "Package is being processed."}}',
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "COMMAND_REJECTED",
      message: "Package is being processed.",
      packageId: "1001",
    });
  });
});

describe("invalid input caught locally", () => {
  it("answers ValidationError and calls the OMS not at all", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "   " }) });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ValidationError",
      message: "trackingNumber must be 1 to 64 characters after trimming.",
      fieldErrors: [
        {
          path: ["input", "trackingNumber"],
          message: "trackingNumber must be 1 to 64 characters after trimming.",
          code: "INVALID_LENGTH",
        },
      ],
    });
    expect(h.sim.requests).toHaveLength(0);
  });
});

describe("401 / 403 from the OMS → OMS_UNAUTHORIZED", () => {
  const unauthorized = {
    message: "The gateway's OMS credentials were refused.",
    path: ["updatePackageShipment"],
    extensions: { code: "OMS_UNAUTHORIZED" },
  };

  it.each([401, 403])("a %i on the command is a top-level error with data null", async (status) => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status,
        body: '{"detail": "You do not have permission to perform this action."}',
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    // The caller did authenticate; only the gateway's own credentials failed.
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject(unauthorized);
    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAUTHORIZED" });
    expect(res.text).not.toMatch(/unauthenticated/i);
    expect(res.text).not.toContain("permission");
    expect(routes(h)).toStrictEqual([POST_1001]);
  });

  describe("with an OMS token the OMS does not accept", () => {
    let wrong: Harness;
    beforeAll(async () => {
      wrong = await startHarness({ OMS_API_TOKEN: "not-the-oms-token" });
    });
    afterAll(() => wrong.close());

    it("a read fails with OMS_UNAUTHORIZED, and the package is null", async () => {
      const res = await wrong.gql(PackageSummaryDocument, { id: "1001" });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors?.[0]).toMatchObject({ ...unauthorized, path: ["package"] });
      expect(res.text).not.toMatch(/unauthenticated/i);
      expect(wrong.sim.requests.map((r) => r.headers.authorization)).toStrictEqual([
        "Token not-the-oms-token",
      ]);
    });

    it("a command whose transition read is refused fails with OMS_UNAUTHORIZED and sends no command", async () => {
      const res = await wrong.gql(UpdateShipmentOnlyDocument, { input: input({ transitionId: null }) });

      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject(unauthorized);
      expect(res.text).not.toMatch(/unauthenticated/i);
      expect(wrong.commands()).toHaveLength(0);
    });
  });
});

describe("429 → OMS_RATE_LIMITED", () => {
  it("carries retryAfterSeconds from the OMS's Retry-After", async () => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 429,
        body: '{"detail": "Request was throttled."}',
        headers: { "Retry-After": "7" },
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toStrictEqual([
      {
        message: "The OMS is rate limiting the gateway; try again later.",
        locations: [{ line: 2, column: 3 }],
        path: ["updatePackageShipment"],
        extensions: { code: "OMS_RATE_LIMITED", retryAfterSeconds: 7 },
      },
    ]);
    expect(routes(h)).toStrictEqual([POST_1001]);
  });

  it("converts a Retry-After HTTP date into seconds from now", async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    h.sim.injectFault({
      method: "GET",
      path: packagePath(1001),
      times: 1,
      fault: { kind: "status", status: 429, headers: { "Retry-After": at } },
    });

    const res = await h.gql(PackageSummaryDocument, { id: "1001" });

    expect(res.body.data).toStrictEqual({ package: null });
    const extensions = res.body.errors?.[0]?.extensions;
    expect(extensions?.code).toBe("OMS_RATE_LIMITED");
    expect(extensions?.retryAfterSeconds).toBeGreaterThanOrEqual(28);
    expect(extensions?.retryAfterSeconds).toBeLessThanOrEqual(31);
  });

  it("has no retryAfterSeconds for a Retry-After it cannot read", async () => {
    h.sim.injectFault(onNextCommand({ kind: "status", status: 429, headers: { "Retry-After": "soon" } }));

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_RATE_LIMITED" });
  });

  it("has no retryAfterSeconds when the OMS sent no Retry-After", async () => {
    h.sim.injectFault(onNextCommand({ kind: "status", status: 429 }));

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.body.data).toBeNull();
    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_RATE_LIMITED" });
  });
});

describe("5xx, malformed answers and connection failures on reads → OMS_UNAVAILABLE", () => {
  const statusFault = (status: number, body: string, contentType: string) =>
    ({ kind: "status", status, body, headers: { "content-type": contentType } }) as const;

  it.each([
    [
      "500",
      statusFault(500, '{"detail": "secret-ish stack"}', "application/json"),
      /^The OMS answered with an unexpected status \(500\)\.$/,
    ],
    ["502 with an HTML page", statusFault(502, "<html>secret-ish gateway</html>", "text/html"), /\(502\)/],
    ["503", statusFault(503, "secret-ish maintenance", "text/plain"), /\(503\)/],
    [
      "an HTML page with status 200",
      statusFault(200, "<html>secret-ish login</html>", "text/html"),
      /^The OMS sent a malformed /,
    ],
    [
      "malformed JSON",
      statusFault(200, '{"id": 1001, "secret-ish', "application/json"),
      /^The OMS sent a malformed /,
    ],
    [
      "JSON that is not a package",
      statusFault(200, '{"secret-ish": []}', "application/json"),
      /^The OMS sent a malformed /,
    ],
    ["a connection reset", { kind: "reset" } as const, /^The OMS could not be reached/],
  ])("%s", async (_, fault, message) => {
    h.sim.injectFault({ method: "GET", path: packagePath(1001), fault });

    const res = await h.gql(PackageSummaryDocument, { id: "1001" });

    expect(res.status).toBe(200);
    expect(res.body.data).toStrictEqual({ package: null });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.path).toStrictEqual(["package"]);
    expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAVAILABLE" });
    expect(res.body.errors?.[0]?.message).toMatch(message);
    expect(res.text).not.toContain("secret-ish");
    expect(routes(h)).toStrictEqual([GET_1001]);
  });
});

describe("commands without a usable answer", () => {
  it("a 500 on the command is OMS_OUTCOME_UNKNOWN after one verification read, and the command is never sent twice", async () => {
    h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 500,
        body: "<h1>Server Error (500)</h1>",
        headers: { "content-type": "text/html" },
      }),
    );

    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered the command with status 500; it may or may not have been applied.",
      path: ["updatePackageShipment"],
      extensions: { code: "OMS_OUTCOME_UNKNOWN" },
    });
    expect(res.text).not.toContain("Server Error");
    expect(routes(h)).toStrictEqual([POST_1001, GET_1001]);
    expectCommandSent(h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
  });

  describe("with a 300 ms OMS deadline", () => {
    let t: Harness;
    beforeAll(async () => {
      t = await startHarness({ OMS_TIMEOUT_MS: "300" });
    });
    afterAll(() => t.close());
    beforeEach(() => t.sim.reset());

    it("a command that hangs unapplied is OMS_OUTCOME_UNKNOWN after a verification read", async () => {
      t.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault: { kind: "hang" } });

      const started = performance.now();
      const res = await t.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "HANG-1" }) });
      const elapsed = performance.now() - started;

      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The OMS did not answer the command in time; it may or may not have been applied.",
        path: ["updatePackageShipment"],
        extensions: { code: "OMS_OUTCOME_UNKNOWN" },
      });
      expect(routes(t)).toStrictEqual([POST_1001, GET_1001]);
      expectCommandSent(t.commands()[0], 1001, { transition_id: 41, awb_number: "HANG-1", cargo_company: 2 });
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(3_000);
    });

    it("a command whose connection is reset unapplied is OMS_OUTCOME_UNKNOWN after a verification read", async () => {
      t.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault: { kind: "reset" } });

      const res = await t.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "RESET-1" }) });

      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_OUTCOME_UNKNOWN" });
      expect(routes(t)).toStrictEqual([POST_1001, GET_1001]);
    });

    it("a lost command is not verified by a package that still holds another query number", async () => {
      // 1002 holds AR1002 / Q-1002 / Aras. The caller asks for AR1002 / Aras with no query number, which
      // the command would clear; the command hangs unapplied, so the package still shows Q-1002.
      t.sim.injectFault({ method: "POST", path: commandPath(1002), times: 1, fault: { kind: "hang" } });

      const res = await t.gql(UpdateShipmentOnlyDocument, {
        input: input({ packageId: "1002", cargoCompanyId: "2", trackingNumber: "AR1002", transitionId: 42 }),
      });

      expect(t.sim.getPackage(1002)?.shipment).toStrictEqual({
        awb_number: "AR1002",
        query_number: "Q-1002",
        cargo_company: 2,
      });
      expect(routes(t)).toStrictEqual([`POST ${commandPath(1002)}`, `GET ${packagePath(1002)}`]);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_OUTCOME_UNKNOWN" });
    });

    it.each(["resetAfterApply", "hangAfterApply"] as const)(
      "a command applied but answered by %s is ShipmentUpdated, verified by reading the package",
      async (kind) => {
        t.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault: { kind } });

        const res = await t.gql(UpdateShipmentOnlyDocument, {
          input: input({ trackingNumber: `LOST-${kind}`, queryNumber: "Q-LOST" }),
        });

        expect(res.body.errors).toBeUndefined();
        expect(res.body.data?.updatePackageShipment).toStrictEqual({
          __typename: "ShipmentUpdated",
          shipment: { trackingNumber: `LOST-${kind}`, queryNumber: "Q-LOST" },
        });
        expect(routes(t)).toStrictEqual([POST_1001, GET_1001]);
        expect(t.commands()).toHaveLength(1);
      },
    );
  });

  describe("with nothing listening at OMS_BASE_URL", () => {
    let refused: Harness;
    beforeAll(async () => {
      refused = await startHarness({ OMS_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    });
    afterAll(() => refused.close());

    it("a read is OMS_UNAVAILABLE", async () => {
      const res = await refused.gql(PackageSummaryDocument, { id: "1001" });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAVAILABLE" });
      expect(res.body.errors?.[0]?.message).toMatch(/^The OMS could not be reached: connection failed/);
      expect(res.text).not.toContain("127.0.0.1");
    });

    it("a command is OMS_UNAVAILABLE, not OMS_OUTCOME_UNKNOWN: it never left the gateway", async () => {
      const res = await refused.gql(UpdateShipmentOnlyDocument, { input: input() });

      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAVAILABLE" });
      expect(res.text).not.toContain("127.0.0.1");
      // The harness's own simulator is not where the gateway points.
      expect(refused.sim.requests).toHaveLength(0);
    });
  });

  describe("a redirect from the OMS", () => {
    let bystander: Awaited<ReturnType<typeof startBystander>>;
    beforeAll(async () => {
      bystander = await startBystander();
    });
    afterAll(() => bystander.close());

    it("is not followed on a command: OMS_OUTCOME_UNKNOWN after one verification read of the OMS itself, and the other server receives nothing", async () => {
      h.sim.injectFault(
        onNextCommand({
          kind: "status",
          status: 307,
          headers: { location: `${bystander.url}${commandPath(1001)}` },
        }),
      );

      const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });

      expect(res.status).toBe(200);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The OMS answered the command with status 307; it may or may not have been applied.",
        extensions: { code: "OMS_OUTCOME_UNKNOWN" },
      });
      expect(res.text).not.toContain(bystander.url);
      expect(routes(h)).toStrictEqual([POST_1001, GET_1001]);
      expect(h.commands()).toHaveLength(1);
      expect(bystander.hits).toStrictEqual([]);
    });

    it("is not followed on a read: OMS_UNAVAILABLE, and the other server receives nothing", async () => {
      h.sim.injectFault({
        method: "GET",
        path: packagePath(1001),
        times: 1,
        fault: { kind: "status", status: 307, headers: { location: `${bystander.url}${packagePath(1001)}` } },
      });

      const res = await h.gql(PackageSummaryDocument, { id: "1001" });

      expect(res.status).toBe(200);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The OMS answered with an unexpected status (307).",
        extensions: { code: "OMS_UNAVAILABLE" },
      });
      expect(res.text).not.toContain(bystander.url);
      expect(routes(h)).toStrictEqual([GET_1001]);
      expect(bystander.hits).toStrictEqual([]);
    });
  });
});

describe("caller authentication (API_KEYS=k1,k2)", () => {
  let keyed: Harness;
  beforeAll(async () => {
    keyed = await startHarness({ API_KEYS: "k1,k2" });
  });
  afterAll(() => keyed.close());
  beforeEach(() => keyed.sim.reset());

  it.each([
    ["no Authorization header", {}],
    ["an unknown key", { authorization: "Bearer k3" }],
    ["the OMS scheme", { authorization: "Token k1" }],
    ["a key that only starts like a valid one", { authorization: "Bearer k1k2" }],
  ])("refuses %s with HTTP 401 UNAUTHENTICATED and calls the OMS not at all", async (_, headers) => {
    const res = await keyed.gql(UpdateShipmentOnlyDocument, { input: input() }, headers);

    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="oms-graph"');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(keyed.sim.requests).toHaveLength(0);
  });

  it("runs the command for a caller sending Authorization: Bearer k2", async () => {
    const res = await keyed.gql(
      UpdateShipmentOnlyDocument,
      { input: input({ trackingNumber: "KEYED-1" }) },
      { authorization: "Bearer k2" },
    );

    expect(res.status).toBe(200);
    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "KEYED-1", queryNumber: null },
    });
    // The caller's key is the caller's; the OMS gets the gateway's own credentials.
    expectCommandSent(keyed.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "KEYED-1",
      cargo_company: 2,
    });
  });
});
