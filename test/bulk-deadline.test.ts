/**
 * The overall deadline of a bulk call (BULK_DEADLINE_MS), through the gateway against the simulator:
 * items not sent by then are answered DEADLINE_EXCEEDED and never reach the OMS, commands in flight
 * get only the time left, and a package read still running does not hold the answer.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { UpdatePackageShipmentsDocument } from "./generated/operations.js";
import { Item, itemsOf, trackedAs } from "./helpers/bulk-items.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { commandPath } from "./helpers/oms-paths.js";

const SLOW_MS = 1_500;

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const input = trackedAs("DL");

const deadlineExceeded = (id: number): Item => ({
  __typename: "CommandFailed",
  code: "DEADLINE_EXCEEDED",
  message: "The bulk call's deadline passed before this item was sent.",
  packageId: String(id),
  outcomeKnown: true,
});

describe("BULK_DEADLINE_MS", () => {
  it("answers items not sent by the deadline DEADLINE_EXCEEDED and never sends them; commands in flight get only the time left", async () => {
    // Threshold 1: a call cut by its caller's deadline must not count as the OMS failing.
    h = await startHarness({ BULK_DEADLINE_MS: "600", BULK_CONCURRENCY: "2", OMS_BREAKER_THRESHOLD: "1" });
    const harness = h;
    const ids = Array.from({ length: 10 }, (_, i) => 2401 + i);
    // Items 0 and 1 are answered at once; 2 and 3 then hold both slots far beyond the deadline.
    for (const id of [2403, 2404]) {
      harness.sim.injectFault({
        method: "POST",
        path: commandPath(id),
        fault: { kind: "latency", ms: SLOW_MS },
      });
    }

    const items = itemsOf(
      await harness.gql(UpdatePackageShipmentsDocument, { inputs: ids.map((id) => input(id)) }),
    );
    expect(items.slice(0, 2).map((item) => item.__typename)).toEqual(["ShipmentUpdated", "ShipmentUpdated"]);
    for (const [index, id] of [2403, 2404].entries()) {
      expect(items[2 + index]).toMatchObject({
        __typename: "CommandFailed",
        code: "OMS_OUTCOME_UNKNOWN",
        packageId: String(id),
        outcomeKnown: false,
      });
    }
    expect(items.slice(4)).toEqual(ids.slice(4).map(deadlineExceeded));
    // The answer came before the slow commands were applied: their calls were cut at the deadline,
    // not left to OMS_TIMEOUT_MS.
    expect(harness.sim.getPackage(2403)?.shipment?.awb_number).not.toBe("DL-2403");

    // Once the slow commands have been applied, the OMS has still seen nothing of the others.
    await vi.waitFor(() => expect(harness.sim.getPackage(2404)?.shipment?.awb_number).toBe("DL-2404"), {
      timeout: SLOW_MS + 2_000,
      interval: 20,
    });
    expect(
      harness
        .commands()
        .map((r) => r.path)
        .sort(),
    ).toEqual([2401, 2402, 2403, 2404].map(commandPath));
    // No verification read either: the deadline had passed.
    expect(harness.sim.requests).toHaveLength(4);
    // The cut calls left the breaker closed.
    const after = await harness.gql('{ package(id: "1002") { id } }');
    expect(after.body).toEqual({ data: { package: { id: "1002" } } });
  });

  it("does not wait for a package read still running at the deadline, and never sends that item's command", async () => {
    h = await startHarness({ BULK_DEADLINE_MS: "400" });
    const harness = h;
    // No transition named: the configured one depends on the package's status, which must be read.
    harness.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/2411/",
      fault: { kind: "latency", ms: SLOW_MS },
    });
    const items = itemsOf(
      await harness.gql(UpdatePackageShipmentsDocument, { inputs: [{ ...input(2411), transitionId: null }] }),
    );
    expect(items).toEqual([deadlineExceeded(2411)]);
    expect(harness.sim.stats.requestsInFlight).toBe(1);
    await vi.waitFor(() => expect(harness.sim.stats.requestsInFlight).toBe(0), {
      timeout: SLOW_MS + 2_000,
      interval: 20,
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(harness.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /api/v1/oms/packages/2411/",
    ]);
  });

  it("leaves a call that finishes in time untouched", async () => {
    h = await startHarness({ BULK_DEADLINE_MS: "5000", BULK_CONCURRENCY: "2" });
    const ids = [2421, 2422, 2423, 2424, 2425];
    const items = itemsOf(
      await h.gql(UpdatePackageShipmentsDocument, { inputs: ids.map((id) => input(id)) }),
    );
    expect(items.map((item) => item.__typename)).toEqual(ids.map(() => "ShipmentUpdated"));
    expect(h.commands()).toHaveLength(ids.length);
  });
});
