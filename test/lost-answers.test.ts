/**
 * The single mutation when the OMS's answer to a command is lost (deadline, connection reset after
 * sending): the gateway never re-sends the command, reads the package back once, and answers
 * ShipmentUpdated only when the package proves the command was applied; otherwise the outcome is
 * unknown. Everything is checked against what the simulated OMS recorded and holds.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Fault } from "../src/simulator/index.js";
import {
  type UpdatePackageShipmentInput,
  UpdateShipmentOnlyDocument,
  type UpdateShipmentOnlyMutation,
} from "./generated/operations.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";

const commandPath = (id: number) => `/api/v1/oms/packages/${id}/command/`;
const packagePath = (id: number) => `/api/v1/oms/packages/${id}/`;
const POST = (id: number) => `POST ${commandPath(id)}`;
const GET = (id: number) => `GET ${packagePath(id)}`;

const input = (overrides: Partial<UpdatePackageShipmentInput> = {}): UpdatePackageShipmentInput => ({
  packageId: "2001",
  cargoCompanyId: "3",
  trackingNumber: "LOST-1",
  queryNumber: "Q-LOST",
  transitionId: 41,
  ...overrides,
});

const UNKNOWN_MESSAGE = "The OMS did not answer the command in time; it may or may not have been applied.";

/** Every OMS request as "METHOD /path", in arrival order: here they are sequential. */
const routes = (h: Harness) => h.sim.requests.map((r) => `${r.method} ${r.path}`);

function expectUnknown(res: GraphQLResult<UpdateShipmentOnlyMutation>): void {
  expect(res.status).toBe(200);
  expect(res.body.data).toBeNull();
  expect(res.body.errors).toStrictEqual([
    {
      message: UNKNOWN_MESSAGE,
      locations: [{ line: 2, column: 3 }],
      path: ["updatePackageShipment"],
      extensions: { code: "OMS_OUTCOME_UNKNOWN" },
    },
  ]);
}

function expectUpdated(
  res: GraphQLResult<UpdateShipmentOnlyMutation>,
  trackingNumber: string,
  queryNumber: string | null,
): void {
  expect(res.status).toBe(200);
  expect(res.body).toStrictEqual({
    data: {
      updatePackageShipment: { __typename: "ShipmentUpdated", shipment: { trackingNumber, queryNumber } },
    },
  });
}

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ OMS_TIMEOUT_MS: "300" });
});
afterAll(() => h?.close());
beforeEach(() => h.sim.reset());

const onCommand = (id: number, fault: Fault) =>
  h.sim.injectFault({ method: "POST", path: commandPath(id), times: 1, fault });

describe("a lost answer to a command that was applied", () => {
  it.each<Fault["kind"]>(["resetAfterApply", "hangAfterApply"])(
    "%s → ShipmentUpdated after one command and one verification read",
    async (kind) => {
      onCommand(2001, { kind } as Fault);
      const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
      expectUpdated(res, "LOST-1", "Q-LOST");
      expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
      expect(h.sim.getPackage(2001)?.shipment).toStrictEqual({
        awb_number: "LOST-1",
        query_number: "Q-LOST",
        cargo_company: 3,
      });
    },
  );

  it("reads the package afresh for the verification, not from the read that chose the transition", async () => {
    onCommand(2001, { kind: "resetAfterApply" });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input({ transitionId: null }) });
    expectUpdated(res, "LOST-1", "Q-LOST");
    // The first read found no shipment; only a second read can see the applied command.
    expect(routes(h)).toStrictEqual([GET(2001), POST(2001), GET(2001)]);
    expect(h.commands()).toHaveLength(1);
  });

  it("logs ShipmentUpdated with both OMS calls on the request line", async () => {
    onCommand(2001, { kind: "resetAfterApply" });
    await h.gql(UpdateShipmentOnlyDocument, { input: input() }, { "x-request-id": "lost-applied" });
    const line = await requestLine("lost-applied");
    expect(line.outcome).toBe("ShipmentUpdated");
    expect(line.oms.map((call) => `${call.method} ${call.route} ${call.status}`)).toStrictEqual([
      "POST command null",
      "GET package 200",
    ]);
  });
});

describe("a lost answer to a command that was not applied", () => {
  it.each<Fault["kind"]>(["reset", "hang"])(
    "%s → OMS_OUTCOME_UNKNOWN; the command is sent once and never re-sent; one verification read",
    async (kind) => {
      onCommand(2001, { kind } as Fault);
      const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
      expectUnknown(res);
      expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
      expect(h.sim.getPackage(2001)?.shipment).toBeNull();
    },
  );

  it("a package holding other values is not mistaken for the requested ones", async () => {
    // 1002 holds Aras AR1002 with query number Q-1002; the command asks for the same tracking number
    // without a query number, which would have cleared it.
    onCommand(1002, { kind: "reset" });
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({
        packageId: "1002",
        cargoCompanyId: "2",
        trackingNumber: "AR1002",
        queryNumber: null,
        transitionId: 42,
      }),
    });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(1002), GET(1002)]);
  });

  it("a package that already held exactly the requested values counts as updated: the command sets, never adds", async () => {
    // 1001 holds Yurtiçi YK1001 without a query number.
    onCommand(1001, { kind: "reset" });
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: input({ packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK1001", queryNumber: null }),
    });
    expectUpdated(res, "YK1001", null);
    expect(routes(h)).toStrictEqual([POST(1001), GET(1001)]);
  });
});

describe("a verification read that fails", () => {
  it("a 500 on the read → OMS_OUTCOME_UNKNOWN, though the command was in fact applied", async () => {
    onCommand(2001, { kind: "resetAfterApply" });
    h.sim.injectFault({ method: "GET", path: packagePath(2001), fault: { kind: "status", status: 500 } });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
    expect(h.sim.getPackage(2001)?.shipment?.awb_number).toBe("LOST-1");
  });

  it("a read that times out too → OMS_OUTCOME_UNKNOWN, still one command and one read", async () => {
    onCommand(2001, { kind: "hangAfterApply" });
    h.sim.injectFault({ method: "GET", path: packagePath(2001), fault: { kind: "hang" } });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() }, { "x-request-id": "lost-read" });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
    const line = await requestLine("lost-read");
    expect(line.outcome).toBe("OMS_OUTCOME_UNKNOWN");
  });

  it("a package that vanished (404 on the read) → OMS_OUTCOME_UNKNOWN", async () => {
    onCommand(2001, { kind: "reset" });
    h.sim.injectFault({ method: "GET", path: packagePath(2001), fault: { kind: "status", status: 404 } });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
    expectUnknown(res);
    expect(routes(h)).toStrictEqual([POST(2001), GET(2001)]);
  });
});

describe("answers that are not lost", () => {
  it("a 500 to the command is OMS_UNAVAILABLE with no verification read", async () => {
    onCommand(2001, { kind: "status", status: 500 });
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input() });
    expect(res.body.data).toBeNull();
    expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["OMS_UNAVAILABLE"]);
    expect(routes(h)).toStrictEqual([POST(2001)]);
  });
});

interface RequestLine {
  outcome: string | null;
  oms: Array<{ method: string; route: string; status: number | null }>;
}

async function requestLine(requestId: string): Promise<RequestLine> {
  const deadline = Date.now() + 2_000;
  for (;;) {
    const line = h.logs.find((l) => l.msg === "request" && l.requestId === requestId);
    if (line) return line as unknown as RequestLine;
    if (Date.now() > deadline) throw new Error(`no request log line for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
