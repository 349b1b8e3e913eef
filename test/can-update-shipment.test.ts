/**
 * Package.canUpdateShipment for every demo status: true only where the OMS accepts the command
 * (packed, shipped, delivered, attempted delivery) and a transition is configured for the status.
 * It is answered from the package read and the configuration: no OMS call of its own.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PackageEligibilityDocument } from "./generated/operations.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { packagePath } from "./helpers/oms-paths.js";

const DEMO = [1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008] as const;
const STATUS = [
  "PACKED",
  "SHIPPED",
  "DELIVERED",
  "ATTEMPTED_DELIVERY",
  "WAITING",
  "PREPARING",
  "DELIVERY_FAILED",
  "CANCELLED",
];

/** Every demo package in one query: its status and canUpdateShipment. */
async function eligibility(h: Harness): Promise<Record<string, boolean>> {
  const query = `{ ${DEMO.map((id) => `p${id}: package(id: "${id}") { status canUpdateShipment }`).join(" ")} }`;
  const res = await h.gql(query);
  expect(res.body.errors).toBeUndefined();
  const data = res.body.data as Record<string, { status: string; canUpdateShipment: boolean }>;
  expect(DEMO.map((id) => data[`p${id}`]?.status)).toEqual(STATUS);
  return Object.fromEntries(DEMO.map((id) => [STATUS[DEMO.indexOf(id)], data[`p${id}`]?.canUpdateShipment]));
}

describe.each([
  [
    "packed:41,shipped:42,delivered:43,attempted_delivery:44",
    { PACKED: true, SHIPPED: true, DELIVERED: true, ATTEMPTED_DELIVERY: true },
  ],
  ["packed:41,delivered:43", { PACKED: true, SHIPPED: false, DELIVERED: true, ATTEMPTED_DELIVERY: false }],
  // One id for every status: the statuses the OMS refuses stay false.
  ["41", { PACKED: true, SHIPPED: true, DELIVERED: true, ATTEMPTED_DELIVERY: true }],
  // Transitions for statuses the OMS refuses the command in do not make them eligible.
  ["waiting:41,cancelled:42", { PACKED: false, SHIPPED: false, DELIVERED: false, ATTEMPTED_DELIVERY: false }],
])("OMS_SHIPMENT_TRANSITIONS=%s", (transitions, accepted) => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ OMS_SHIPMENT_TRANSITIONS: transitions });
  });
  afterAll(() => h.close());

  it("answers canUpdateShipment for every demo status from one package read", async () => {
    h.sim.clearRequests();

    expect(await eligibility(h)).toEqual({
      ...accepted,
      WAITING: false,
      PREPARING: false,
      DELIVERY_FAILED: false,
      CANCELLED: false,
    });
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      `GET /api/v1/oms/packages/?id__in=${DEMO.join(",")}&page_size=8`,
    ]);
  });
});

describe("a status the gateway does not know", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ OMS_SHIPMENT_TRANSITIONS: "41" });
  });
  afterAll(() => h.close());

  it("is not offered the update, whatever the transitions", async () => {
    const pkg = h.sim.getPackage(2000);
    if (!pkg) throw new Error("the simulator has no package 2000");
    h.sim.setPackage({ ...pkg, state: { name: "Out of Stock", enum_value: "920" } });
    h.sim.clearRequests();

    const res = await h.gql(PackageEligibilityDocument, { id: "2000" });

    expect(res.body.data?.package).toEqual({ id: "2000", status: "OTHER", canUpdateShipment: false });
    expect(h.sim.requests.map((r) => r.path)).toEqual([packagePath(2000)]);
  });
});
