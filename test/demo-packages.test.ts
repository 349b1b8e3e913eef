/**
 * The embedded simulator's demo data, seen through the gateway: every demo package with every demo
 * transition, the configured per-status transitions, and how each package reads.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  PackageDocument,
  PackageSummaryDocument,
  UpdateShipmentOnlyDocument,
} from "./generated/operations.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { CARGO_LIST, commandPath, packagePath } from "./helpers/oms-paths.js";

// ---------------------------------------------------------------------------------------------
// Helpers

function routes(h: Harness): string[] {
  return h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`);
}

/** The state name the simulator sends for each demo package. */
const STATE_NAME: Record<number, string> = {
  1001: "Packed",
  1002: "Shipped",
  1003: "Delivered",
  1004: "Attempted Delivery",
  1005: "Waiting",
  1006: "Preparing",
  1007: "Delivery Failed",
  1008: "Cancelled",
};

/** The source status of each transition, as the simulator names it in its messages. */
const TRANSITION_SOURCE: Record<number, string> = {
  41: "Packed",
  42: "Shipped",
  43: "Delivered",
  44: "Attempted Delivery",
  50: "Packed",
};

type Expected = "updated" | "mismatch" | "notAllowed" | "refused";

const TRANSITIONS = [41, 42, 43, 44, 50] as const;

/** What the OMS does with each demo package and each transition (columns 41, 42, 43, 44, 50). */
const MATRIX: Record<number, readonly [Expected, Expected, Expected, Expected, Expected]> = {
  1001: ["updated", "mismatch", "mismatch", "mismatch", "notAllowed"],
  1002: ["mismatch", "updated", "mismatch", "mismatch", "notAllowed"],
  1003: ["mismatch", "mismatch", "updated", "mismatch", "notAllowed"],
  1004: ["mismatch", "mismatch", "mismatch", "updated", "notAllowed"],
  1005: ["refused", "refused", "refused", "refused", "notAllowed"],
  1006: ["refused", "refused", "refused", "refused", "notAllowed"],
  1007: ["refused", "refused", "refused", "refused", "notAllowed"],
  1008: ["refused", "refused", "refused", "refused", "notAllowed"],
};

const rows = Object.entries(MATRIX).flatMap(([id, outcomes]) =>
  TRANSITIONS.map(
    (transitionId, column) => [Number(id), transitionId, outcomes[column] as Expected] as const,
  ),
);

function expectedResult(packageId: number, transitionId: number, expected: Expected, trackingNumber: string) {
  switch (expected) {
    case "updated":
      return { __typename: "ShipmentUpdated", shipment: { trackingNumber, queryNumber: null } };
    case "mismatch":
      return {
        __typename: "CommandRejected",
        code: "transition_state_mismatch",
        message: `Transition ${transitionId} runs on ${TRANSITION_SOURCE[transitionId]} packages, but package ${packageId} is ${STATE_NAME[packageId]}.`,
        packageId: String(packageId),
      };
    case "notAllowed":
      return {
        __typename: "CommandRejected",
        code: "transition_not_allowed",
        message:
          "Transition 50 moves a package from Packed to Shipped; updating shipment info needs a transition that keeps the status.",
        packageId: String(packageId),
      };
    case "refused": {
      const message =
        `Shipment info cannot be updated while the package is ${STATE_NAME[packageId]}; ` +
        "the package must be Packed, Shipped, Delivered or Attempted Delivery.";
      return {
        __typename: "ValidationError",
        // The summary's wording is the gateway's; it must carry the OMS's own sentence.
        message: expect.stringContaining(message),
        fieldErrors: [{ path: ["input"], message, code: "OMS_VALIDATION" }],
      };
    }
  }
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

describe("each demo package with each transition passed as transitionId", () => {
  it.each(rows)("package %i, transition %i → %s", async (packageId, transitionId, expected) => {
    const before = h.sim.getPackage(packageId);
    const trackingNumber = `DEMO-${packageId}-${transitionId}`;

    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: String(packageId), cargoCompanyId: "3", trackingNumber, transitionId },
    });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.updatePackageShipment).toStrictEqual(
      expectedResult(packageId, transitionId, expected, trackingNumber),
    );
    // The caller named the transition, so the package is not read first.
    expect(routes(h)).toStrictEqual([`POST ${commandPath(packageId)}`]);
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: transitionId,
      awb_number: trackingNumber,
      cargo_company: 3,
    });
    const after = h.sim.getPackage(packageId);
    if (expected === "updated") {
      expect(after?.shipment).toStrictEqual({
        awb_number: trackingNumber,
        query_number: null,
        cargo_company: 3,
      });
    } else {
      expect(after).toStrictEqual(before);
    }
  });
});

describe("each demo package without transitionId (packed:41,shipped:42,delivered:43,attempted_delivery:44)", () => {
  it.each([
    [1001, 41],
    [1002, 42],
    [1003, 43],
    [1004, 44],
  ])("package %i is updated with the configured transition %i", async (packageId, transitionId) => {
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: String(packageId), cargoCompanyId: "4", trackingNumber: `CFG-${packageId}` },
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: `CFG-${packageId}`, queryNumber: null },
    });
    expect(routes(h)).toStrictEqual([`GET ${packagePath(packageId)}`, `POST ${commandPath(packageId)}`]);
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: transitionId,
      awb_number: `CFG-${packageId}`,
      cargo_company: 4,
    });
  });

  it.each([
    [1005, "WAITING"],
    [1006, "PREPARING"],
    [1007, "DELIVERY_FAILED"],
    [1008, "CANCELLED"],
  ])(
    "package %i is refused before any command: no transition configured for %s",
    async (packageId, status) => {
      const res = await h.gql(UpdateShipmentOnlyDocument, {
        input: { packageId: String(packageId), cargoCompanyId: "4", trackingNumber: `CFG-${packageId}` },
      });

      const message =
        `No shipment transition is configured for packages in status ${status}; ` +
        "the OMS accepts this command for PACKED, SHIPPED, DELIVERED and ATTEMPTED_DELIVERY packages.";
      expect(res.body.data?.updatePackageShipment).toStrictEqual({
        __typename: "ValidationError",
        message,
        fieldErrors: [{ path: ["input", "packageId"], message, code: "TRANSITION_NOT_CONFIGURED" }],
      });
      expect(routes(h)).toStrictEqual([`GET ${packagePath(packageId)}`]);
      expect(h.commands()).toHaveLength(0);
    },
  );
});

describe("OMS_SHIPMENT_TRANSITIONS=41 (one id for every status)", () => {
  let single: Harness;
  beforeAll(async () => {
    single = await startHarness({ OMS_SHIPMENT_TRANSITIONS: "41" });
  });
  afterAll(() => single.close());
  beforeEach(() => single.sim.reset());

  it("sends the command with transition 41 without reading the package first", async () => {
    const res = await single.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: "1001", cargoCompanyId: "1", trackingNumber: "ONE-1001" },
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "ONE-1001", queryNumber: null },
    });
    expect(routes(single)).toStrictEqual([`POST ${commandPath(1001)}`]);
    expect(single.commands()[0]?.json).toStrictEqual({
      transition_id: 41,
      awb_number: "ONE-1001",
      cargo_company: 1,
    });
  });

  it("leaves it to the OMS to refuse transition 41 for a shipped package", async () => {
    const res = await single.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: "1002", cargoCompanyId: "1", trackingNumber: "ONE-1002" },
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "transition_state_mismatch",
      message: "Transition 41 runs on Packed packages, but package 1002 is Shipped.",
      packageId: "1002",
    });
    expect(routes(single)).toStrictEqual([`POST ${commandPath(1002)}`]);
  });
});

describe("package(id) for each demo package", () => {
  const cargo = {
    1: { id: "1", name: "Yurti\u00e7i Kargo", erpCode: "yurtici-kargo", shippingCompany: "yurtici" },
    2: { id: "2", name: "Aras Kargo", erpCode: "aras-kargo", shippingCompany: "aras" },
    3: { id: "3", name: "MNG Kargo", erpCode: "mng-kargo", shippingCompany: "mng" },
  } as const;

  const shipped = (cargoId: 1 | 2 | 3, trackingNumber: string, queryNumber: string | null = null) => ({
    trackingNumber,
    queryNumber,
    cargoCompany: cargo[cargoId],
  });

  const packages = [
    {
      id: 1001,
      status: "PACKED",
      statusName: "Packed",
      shipment: shipped(1, "YK1001"),
      labelAt: "2024-05-06T11:00:00.000Z",
    },
    {
      id: 1002,
      status: "SHIPPED",
      statusName: "Shipped",
      shipment: shipped(2, "AR1002", "Q-1002"),
      labelAt: "2024-05-06T11:37:00.000Z",
    },
    {
      id: 1003,
      status: "DELIVERED",
      statusName: "Delivered",
      shipment: shipped(3, "MN1003"),
      labelAt: "2024-05-06T12:14:00.000Z",
    },
    {
      id: 1004,
      status: "ATTEMPTED_DELIVERY",
      statusName: "Attempted Delivery",
      shipment: shipped(1, "YK1004"),
      labelAt: "2024-05-06T12:51:00.000Z",
    },
    { id: 1005, status: "WAITING", statusName: "Waiting", shipment: null, labelAt: null },
    { id: 1006, status: "PREPARING", statusName: "Preparing", shipment: null, labelAt: null },
    {
      id: 1007,
      status: "DELIVERY_FAILED",
      statusName: "Delivery Failed",
      shipment: shipped(2, "AR1007"),
      labelAt: "2024-05-06T14:42:00.000Z",
    },
    { id: 1008, status: "CANCELLED", statusName: "Cancelled", shipment: null, labelAt: null },
  ];

  it.each(packages.map((p) => [p.id, p.status, p] as const))("%i is %s", async (_id, _status, expected) => {
    const { id, status, statusName, shipment, labelAt } = expected;
    const res = await h.gql(PackageDocument, { id: String(id) });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toStrictEqual({
      package: {
        id: String(id),
        number: `PKG-${id}`,
        status,
        statusName,
        orderNumber: `ORD-${id}`,
        shipment,
        label: labelAt === null ? null : { url: `${h.sim.url}/labels/${id}/1.pdf`, updatedAt: labelAt },
      },
    });
    expect(routes(h)).toStrictEqual(
      shipment === null ? [`GET ${packagePath(id)}`] : [`GET ${packagePath(id)}`, CARGO_LIST],
    );
  });

  it("keeps the Turkish letters of cargo company names exactly (ç as one code point)", async () => {
    const res = await h.gql(PackageDocument, { id: "1004" });

    const name = res.body.data?.package?.shipment?.cargoCompany?.name;
    expect(name).toBe("Yurtiçi Kargo");
    expect([...(name ?? "")].map((c) => c.codePointAt(0))).toContain(0xe7);
    expect(name?.normalize("NFC")).toBe(name);
  });

  it("is null for an id the OMS does not know", async () => {
    const res = await h.gql(PackageSummaryDocument, { id: "999999" });

    expect(res.status).toBe(200);
    expect(res.body).toStrictEqual({ data: { package: null } });
    expect(routes(h)).toStrictEqual([`GET ${packagePath(999999)}`]);
  });

  it.each(["../1", "1?x=y", "1/command", "0", "-1", "1e3", "abc", "007", " 1", "1.5", String(2 ** 53)])(
    "refuses the id %j with BAD_USER_INPUT and calls the OMS not at all",
    async (id) => {
      const res = await h.gql(PackageSummaryDocument, { id });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: `A package id is a positive integer, got ${JSON.stringify(id)}.`,
        path: ["package"],
        extensions: { code: "BAD_USER_INPUT" },
      });
      expect(h.sim.requests).toHaveLength(0);
    },
  );
});

describe("OMS_STATUS_MAP=600:delivered", () => {
  let mapped: Harness;
  beforeAll(async () => {
    mapped = await startHarness({ OMS_STATUS_MAP: "600:delivered" });
  });
  afterAll(() => mapped.close());
  beforeEach(() => mapped.sim.reset());

  it("reports 1002 (enum_value 600, named Shipped) as DELIVERED and keeps the OMS name", async () => {
    const res = await mapped.gql(PackageSummaryDocument, { id: "1002" });

    expect(res.body).toStrictEqual({
      data: { package: { id: "1002", status: "DELIVERED", statusName: "Shipped" } },
    });
  });

  it("leaves the other packages as they were", async () => {
    const res = await mapped.gql(PackageSummaryDocument, { id: "1001" });

    expect(res.body).toStrictEqual({
      data: { package: { id: "1001", status: "PACKED", statusName: "Packed" } },
    });
  });

  it("chooses the transition from the mapped status (43 for 1002), which the OMS then refuses", async () => {
    const res = await mapped.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: "1002", cargoCompanyId: "2", trackingNumber: "MAP-1002" },
    });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "CommandRejected",
      code: "transition_state_mismatch",
      message: "Transition 43 runs on Delivered packages, but package 1002 is Shipped.",
      packageId: "1002",
    });
    expect(mapped.commands()[0]?.json).toStrictEqual({
      transition_id: 43,
      awb_number: "MAP-1002",
      cargo_company: 2,
    });
  });
});
