/**
 * Concurrent bulk calls share the process-wide OMS slots (BULK_CONCURRENCY) in turns, through the
 * gateway against a simulator with latency: a 1-item call started after a big one is not queued
 * behind all of the big one's items. Ordering and counts are asserted, not durations.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  UpdatePackageShipmentsDocument,
  type UpdatePackageShipmentsMutation,
} from "./generated/operations.js";
import { trackedAs } from "./helpers/bulk-items.js";
import { type GraphQLResult, type Harness, startHarness } from "./helpers/harness.js";
import { commandPath } from "./helpers/oms-paths.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const input = trackedAs("FR");

function typenames(res: GraphQLResult<UpdatePackageShipmentsMutation>): string[] {
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return (res.body.data?.updatePackageShipments ?? []).map((item) => item.__typename);
}

describe("bulk calls share the OMS slots in turns", () => {
  it("answers a 1-item call started after a 30-item call before the big one finishes, after a few of its commands", async () => {
    h = await startHarness({ BULK_CONCURRENCY: "2" }, { latencyMs: 40 });
    const harness = h;
    const bigIds = Array.from({ length: 30 }, (_, i) => 2501 + i);
    const finished: string[] = [];
    const big = harness.gql(UpdatePackageShipmentsDocument, { inputs: bigIds.map(input) }).then((res) => {
      finished.push("big");
      return res;
    });
    await vi.waitFor(() => expect(harness.commands().length).toBeGreaterThanOrEqual(1), { interval: 2 });

    const small = await harness.gql(UpdatePackageShipmentsDocument, { inputs: [input(2600)] });
    finished.push("small");
    expect(typenames(small)).toEqual(["ShipmentUpdated"]);
    expect(typenames(await big)).toEqual(bigIds.map(() => "ShipmentUpdated"));
    expect(finished).toEqual(["small", "big"]);

    // Served in arrival order, the small call's command would be the 31st; in turns, it is among
    // the first few (the big call's commands already sent, plus at most one more).
    const sent = harness.commands().map((r) => r.path);
    expect(sent).toHaveLength(31);
    expect(sent.indexOf(commandPath(2600))).toBeLessThan(8);
    expect(harness.sim.stats.maxCommandsInFlight).toBe(2);
  });

  it("alternates between two big calls", async () => {
    h = await startHarness({ BULK_CONCURRENCY: "1" }, { latencyMs: 20 });
    const harness = h;
    const a = Array.from({ length: 8 }, (_, i) => 2701 + i);
    const b = Array.from({ length: 8 }, (_, i) => 2801 + i);
    const first = harness.gql(UpdatePackageShipmentsDocument, { inputs: a.map(input) });
    await vi.waitFor(() => expect(harness.commands().length).toBeGreaterThanOrEqual(1), { interval: 2 });
    const second = harness.gql(UpdatePackageShipmentsDocument, { inputs: b.map(input) });
    expect(typenames(await first)).toHaveLength(8);
    expect(typenames(await second)).toHaveLength(8);

    const owner = harness.commands().map((r) => (r.path.includes("/27") ? "a" : "b"));
    // Once b has arrived, no call gets two turns in a row while the other has work waiting.
    const firstB = owner.indexOf("b");
    expect(firstB).toBeGreaterThan(0);
    expect(firstB).toBeLessThan(4);
    const interleaved = owner.slice(firstB - 1, firstB - 1 + 2 * (a.length - firstB + 1));
    for (let i = 1; i < interleaved.length; i++) expect(interleaved[i]).not.toBe(interleaved[i - 1]);
  });
});
