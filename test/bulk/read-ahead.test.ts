/**
 * A bulk call whose items name no transition reads all their packages before any command, together:
 * one call of the package list per 100 packages instead of one read per item as it gets its turn.
 * Such a read may be older than the item's command, so it chooses the transition only: a lost answer
 * is never proven applied by a difference from it.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bulk, input, updated } from "../helpers/bulk.js";
import { itemsOf } from "../helpers/bulk-items.js";
import { range } from "../helpers/federation.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { commandPath } from "../helpers/oms-paths.js";
import { until } from "../helpers/until.js";

const LIST = "/api/v1/oms/packages/";

const lists = (h: Harness) => h.sim.requests.filter((r) => r.method === "GET" && r.path === LIST);

describe("packages read ahead for a bulk call", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BULK_CONCURRENCY: "4" });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  it("reads 150 packages in two list calls, all before the first command", async () => {
    const ids = range(2000, 2149);
    const res = await bulk(
      h,
      ids.map((id) => input(id, { trackingNumber: `RA-${id}`, transitionId: null })),
    );

    expect(itemsOf(res)).toStrictEqual(ids.map((id) => updated(`RA-${id}`)));
    expect(lists(h).map((r) => r.query)).toStrictEqual([
      { id__in: ids.slice(0, 100).join(","), page_size: "100" },
      { id__in: ids.slice(100).join(","), page_size: "50" },
    ]);
    const firstCommand = h.sim.requests.findIndex((r) => r.method === "POST");
    expect(firstCommand).toBe(2);
    expect(h.commands()).toHaveLength(150);
    expect(h.commands().every((r) => (r.json as { transition_id: number }).transition_id === 41)).toBe(true);
  });

  it("reads only the packages whose transition depends on their status", async () => {
    const res = await bulk(h, [
      input(1002, { trackingNumber: "RA-A", transitionId: null }),
      input(2001, { trackingNumber: "RA-B" }),
      input(1005, { trackingNumber: "RA-C", transitionId: null }),
      input(2002, { trackingNumber: "RA-D", transitionId: null }),
      input(2003, { trackingNumber: "   ", transitionId: null }),
    ]);

    expect(itemsOf(res).map((item) => item.__typename)).toStrictEqual([
      "ShipmentUpdated",
      "ShipmentUpdated",
      "ValidationError",
      "ShipmentUpdated",
      "ValidationError",
    ]);
    expect(lists(h).map((r) => r.query.id__in)).toStrictEqual(["1002,1005,2002"]);
    expect(h.commands().map((r) => [r.path, (r.json as { transition_id: number }).transition_id])).toEqual(
      expect.arrayContaining([
        [commandPath(1002), 42],
        [commandPath(2001), 41],
        [commandPath(2002), 41],
      ]),
    );
    expect(h.commands()).toHaveLength(3);
  });

  it("fails the items of a failed read with OMS_UNAVAILABLE and sends none of their commands", async () => {
    h.sim.injectFault({ method: "GET", path: LIST, fault: { kind: "status", status: 503 } });

    const res = await bulk(h, [
      input(2001, { transitionId: null }),
      input(2002, { transitionId: null }),
      input(2003, { trackingNumber: "SENT" }),
    ]);

    const failed = {
      __typename: "CommandFailed",
      message: "The OMS answered with an unexpected status (503).",
      code: "OMS_UNAVAILABLE",
      outcomeKnown: true,
    };
    expect(itemsOf(res)).toStrictEqual([
      { ...failed, packageId: "2001" },
      { ...failed, packageId: "2002" },
      updated("SENT"),
    ]);
    expect(h.commands().map((r) => r.path)).toStrictEqual([commandPath(2003)]);
  });
});

describe("a lost answer after a read ahead", () => {
  let h: Harness;
  beforeAll(async () => {
    // One item at a time, so the second item's command leaves well after its package was read.
    h = await startHarness({ BULK_CONCURRENCY: "1", OMS_TIMEOUT_MS: "2000" });
  });
  afterAll(() => h.close());

  it("is not proven applied by values another writer set after the read", async () => {
    h.sim.injectFault({ method: "POST", path: commandPath(2501), fault: { kind: "latency", ms: 200 } });
    h.sim.injectFault({ method: "POST", path: commandPath(2502), fault: { kind: "reset" } });
    const answer = bulk(h, [
      input(2501, { trackingNumber: "RA-FIRST", transitionId: null }),
      input(2502, { trackingNumber: "RA-SECOND", cargoCompanyId: "3", transitionId: null }),
    ]);
    // While the first command is held, another writer puts the second item's values on its package,
    // leaving its change times as they were.
    await until(() => h.commands().length === 1, "the first command");
    const pkg = h.sim.getPackage(2502);
    if (!pkg) throw new Error("the simulator has no package 2502");
    h.sim.setPackage({ ...pkg, shipment: { awb_number: "RA-SECOND", query_number: null, cargo_company: 3 } });

    const res = await answer;

    expect(itemsOf(res)).toStrictEqual([
      updated("RA-FIRST"),
      {
        __typename: "CommandFailed",
        message: "The OMS did not answer the command in time; it may or may not have been applied.",
        code: "OMS_OUTCOME_UNKNOWN",
        packageId: "2502",
        outcomeKnown: false,
      },
    ]);
    // The read ahead, two commands, and one verification read of the second package.
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toStrictEqual([
      `GET ${LIST}`,
      `POST ${commandPath(2501)}`,
      `POST ${commandPath(2502)}`,
      "GET /api/v1/oms/packages/2502/",
    ]);
  });
});
