/**
 * The process-wide BULK_CONCURRENCY bound, measured at the OMS (shared between concurrent calls),
 * progress logging of a slow call, and a 500-item call run with exactly the bound in flight.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bulk, input, LogLine, linesOf, updated } from "../helpers/bulk.js";
import { itemsOf } from "../helpers/bulk-items.js";
import { type Harness, startHarness } from "../helpers/harness.js";

describe("BULK_CONCURRENCY, measured at the OMS", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BULK_CONCURRENCY: "3" }, { latencyMs: 30 });
  });
  afterAll(() => h?.close());
  beforeEach(() => h.sim.reset());

  const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

  it("keeps exactly BULK_CONCURRENCY commands in flight for a 40-item call", async () => {
    const res = await bulk(
      h,
      ids(2300, 40).map((id) => input(id)),
    );
    expect(itemsOf(res)).toStrictEqual(ids(2300, 40).map((id) => updated(`TRK-${id}`)));
    expect(h.commands()).toHaveLength(40);
    expect(h.sim.stats.maxCommandsInFlight).toBe(3);
  });

  it("shares the bound between concurrent calls: the limit is per process, not per request", async () => {
    const [first, second] = await Promise.all([
      bulk(
        h,
        ids(2400, 20).map((id) => input(id)),
      ),
      bulk(
        h,
        ids(2500, 20).map((id) => input(id)),
      ),
    ]);
    expect(itemsOf(first)).toStrictEqual(ids(2400, 20).map((id) => updated(`TRK-${id}`)));
    expect(itemsOf(second)).toStrictEqual(ids(2500, 20).map((id) => updated(`TRK-${id}`)));
    expect(h.commands()).toHaveLength(40);
    expect(h.sim.stats.maxCommandsInFlight).toBeLessThanOrEqual(3);
    expect(h.sim.stats.maxCommandsInFlight).toBe(3);
  });

  it("logs progress of a slow call at most once a second, with done < total", async () => {
    // 30 items, 3 at a time, ~230 ms each: about 2.3 s in all.
    h.sim.injectFault({ path: /\/command\/$/, fault: { kind: "latency", ms: 200 } });
    const res = await bulk(
      h,
      ids(2600, 30).map((id) => input(id)),
      "bulk-progress",
    );
    expect(itemsOf(res)).toHaveLength(30);

    await linesOf(h, "bulk-progress", "request");
    const progress = (h.logs as unknown as LogLine[]).filter(
      (l) => l.msg === "bulk progress" && l.requestId === "bulk-progress",
    );
    expect(progress.length).toBeGreaterThanOrEqual(1);
    let lastDone = 0;
    for (const line of progress) {
      expect(line.level).toBe("info");
      expect(line.total).toBe(30);
      expect(line.done as number).toBeGreaterThan(lastDone);
      expect(line.done as number).toBeLessThan(30);
      expect(line.perSecond as number).toBeGreaterThan(0);
      lastDone = line.done as number;
    }
    // "At most once a second" by the lines' own timestamps: a slow machine spreads them further apart,
    // never closer together.
    const times = progress.map((l) => Date.parse(l.time));
    for (let i = 1; i < times.length; i++) {
      // Timestamps have millisecond resolution; the gateway measures with a finer clock.
      expect((times[i] as number) - (times[i - 1] as number)).toBeGreaterThanOrEqual(995);
    }
    // A fast call logs no progress at all.
    h.sim.clearFaults();
    await bulk(
      h,
      ids(2700, 6).map((id) => input(id)),
      "bulk-fast",
    );
    await linesOf(h, "bulk-fast", "request");
    expect(
      (h.logs as unknown as LogLine[]).filter(
        (l) => l.msg === "bulk progress" && l.requestId === "bulk-fast",
      ),
    ).toStrictEqual([]);
  });
});

describe("a 500-item call with 20 ms OMS latency and BULK_CONCURRENCY 8", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BULK_CONCURRENCY: "8" }, { latencyMs: 20 });
  });
  afterAll(() => h?.close());

  it("updates all 500 with exactly 8 commands in flight (wall time printed next to the ideal)", async () => {
    const ids = Array.from({ length: 500 }, (_, i) => 2000 + i);
    // One warm-up item, so connection set-up and first-use costs are not part of the figure.
    await bulk(h, [input(2999, { trackingNumber: "WARM-UP" })]);
    h.sim.reset();

    const started = performance.now();
    const res = await bulk(
      h,
      ids.map((id) => input(id)),
    );
    const wallMs = performance.now() - started;

    expect(itemsOf(res)).toStrictEqual(ids.map((id) => updated(`TRK-${id}`)));
    expect(h.commands()).toHaveLength(500);
    expect(h.sim.stats.maxCommandsInFlight).toBe(8);
    const ideal = Math.ceil(500 / 8) * 20;
    console.log(
      `500-item bulk call: ${Math.round(wallMs)} ms wall time; ideal ceil(500 / 8) × 20 ms = ${ideal} ms ` +
        `(${(wallMs / ideal).toFixed(2)}× the ideal)`,
    );
  });
});
