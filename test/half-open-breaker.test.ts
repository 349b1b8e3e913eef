/**
 * The circuit breaker as callers meet it, through the gateway against the simulator: calls made
 * beside a half-open probe wait for its result and then go through or fail fast, and calls refused
 * before sending say so (OMS_CIRCUIT_OPEN). Every case counts what reached the OMS.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { UpdatePackageShipmentsDocument, UpdateShipmentOnlyDocument } from "./generated/operations.js";
import { itemsOf, trackedAs } from "./helpers/bulk-items.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const BREAKER = { OMS_READ_ATTEMPTS: "1", OMS_BREAKER_THRESHOLD: "1" };
const COMMAND = /^\/api\/v1\/oms\/packages\/\d+\/command\/$/;
const IDS = [2301, 2302, 2303, 2304, 2305, 2306];

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const input = trackedAs("HO");

/** Opens the breaker with one failed package read (threshold 1), and checks it opened. */
async function tripBreaker(harness: Harness): Promise<void> {
  harness.sim.injectFault({
    method: "GET",
    path: "/api/v1/oms/packages/1002/",
    times: 1,
    fault: { kind: "status", status: 500 },
  });
  const res = await harness.gql('{ package(id: "1002") { id } }');
  expect(res.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");
  harness.sim.clearRequests();
}

/** Waits until the open breaker would let a probe through. */
const pastHalfOpenDelay = () => new Promise((resolve) => setTimeout(resolve, 350));

describe("calls beside a half-open probe", () => {
  it("wait for a probe that succeeds and then go through: every item updated, each command sent once", async () => {
    h = await startHarness({ ...BREAKER, OMS_BREAKER_HALF_OPEN_MS: "300" });
    const harness = h;
    await tripBreaker(harness);
    await pastHalfOpenDelay();
    // The first command to arrive is the probe; it is slow, so the others meet a half-open breaker.
    harness.sim.injectFault({ method: "POST", path: COMMAND, times: 1, fault: { kind: "latency", ms: 400 } });

    const pending = harness.gql(UpdatePackageShipmentsDocument, { inputs: IDS.map(input) });
    await vi.waitFor(() => expect(harness.sim.stats.commandsInFlight).toBe(1), { interval: 5 });
    // While the probe is out, nothing else reached the OMS: the others are waiting, not failed.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(harness.commands()).toHaveLength(1);

    const items = itemsOf(await pending);
    expect(items.map((item) => item.__typename)).toEqual(IDS.map(() => "ShipmentUpdated"));
    const sent = harness.commands().map((r) => r.path);
    expect(sent).toHaveLength(IDS.length);
    expect(new Set(sent).size).toBe(IDS.length);
    expect(harness.sim.requests).toHaveLength(IDS.length);
    for (const id of IDS) expect(harness.sim.getPackage(id)?.shipment?.awb_number).toBe(`HO-${id}`);
  });

  it("fail fast with OMS_CIRCUIT_OPEN, never sent, when the probe fails", async () => {
    h = await startHarness({ ...BREAKER, OMS_BREAKER_HALF_OPEN_MS: "300", OMS_TIMEOUT_MS: "600" });
    const harness = h;
    await tripBreaker(harness);
    await pastHalfOpenDelay();
    // The probe hangs until its deadline: a failure, so the breaker opens again.
    harness.sim.injectFault({ method: "POST", path: COMMAND, times: 1, fault: { kind: "hang" } });

    const items = itemsOf(await harness.gql(UpdatePackageShipmentsDocument, { inputs: IDS.map(input) }));
    const sent = harness.commands();
    expect(sent).toHaveLength(1);
    // Nothing else reached the OMS, not even the probe's verification read: the breaker was open again.
    expect(harness.sim.requests).toHaveLength(1);
    const probeId = sent[0]?.path.split("/")[5];
    for (const [index, item] of items.entries()) {
      const packageId = String(IDS[index]);
      if (packageId === probeId) {
        expect(item).toMatchObject({
          __typename: "CommandFailed",
          code: "OMS_OUTCOME_UNKNOWN",
          outcomeKnown: false,
        });
      } else {
        expect(item).toMatchObject({
          __typename: "CommandFailed",
          code: "OMS_CIRCUIT_OPEN",
          packageId,
          outcomeKnown: true,
        });
      }
    }
    for (const id of IDS.filter((id) => String(id) !== probeId)) {
      expect(harness.sim.getPackage(id)?.shipment).toBeNull();
    }
  });
});

describe("an open breaker", () => {
  it("refuses bulk items before sending: CommandFailed OMS_CIRCUIT_OPEN, outcome known", async () => {
    h = await startHarness({ ...BREAKER, OMS_BREAKER_HALF_OPEN_MS: "60000" });
    await tripBreaker(h);
    const items = itemsOf(
      await h.gql(UpdatePackageShipmentsDocument, { inputs: IDS.slice(0, 3).map(input) }),
    );
    expect(items).toEqual(
      IDS.slice(0, 3).map((id) => ({
        __typename: "CommandFailed",
        code: "OMS_CIRCUIT_OPEN",
        message: "The OMS is failing; calls are paused for a moment.",
        packageId: String(id),
        outcomeKnown: true,
      })),
    );
    expect(h.sim.requests).toHaveLength(0);
  });

  it("answers the single mutation with OMS_UNAVAILABLE and extensions.reason OMS_CIRCUIT_OPEN", async () => {
    h = await startHarness({ ...BREAKER, OMS_BREAKER_HALF_OPEN_MS: "60000" });
    await tripBreaker(h);
    const res = await h.gql(UpdateShipmentOnlyDocument, { input: input(2301) });
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      {
        message: "The OMS is failing; calls are paused for a moment.",
        locations: expect.any(Array),
        path: ["updatePackageShipment"],
        extensions: { code: "OMS_UNAVAILABLE", reason: "OMS_CIRCUIT_OPEN" },
      },
    ]);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("gives other OMS_UNAVAILABLE errors no reason", async () => {
    h = await startHarness(BREAKER);
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 1,
      fault: { kind: "status", status: 500 },
    });
    const res = await h.gql('{ package(id: "1002") { id } }');
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: "OMS_UNAVAILABLE" });
  });
});
