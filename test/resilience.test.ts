/**
 * Retries of reads and the circuit breaker, through the gateway against the simulator: what the
 * OMS received is counted for every case, so a retried command or a call let through an open
 * breaker would show.
 */
import { request } from "undici";
import { afterEach, describe, expect, it } from "vitest";
import { fakeClock, settled, untilIo } from "./helpers/fake-clock.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const PACKAGE_QUERY = '{ package(id: "1002") { id status } }';
const MUTATION = `mutation { updatePackageShipment(input: {packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK-R1", transitionId: 41}) { __typename } }`;
const RESILIENT = { OMS_READ_ATTEMPTS: "3", OMS_BREAKER_THRESHOLD: "3", OMS_BREAKER_HALF_OPEN_MS: "400" };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

function packageReads(harness: Harness): number {
  return harness.sim.requests.filter((r) => r.method === "GET" && r.path === "/api/v1/oms/packages/1002/")
    .length;
}

async function ready(harness: Harness): Promise<number> {
  const res = await request(`${harness.url}/health/ready`);
  await res.body.dump();
  return res.statusCode;
}

describe("reads are retried within their deadline", () => {
  it.each([502, 503, 504])("retries a %i and answers with the third try", async (status) => {
    h = await startHarness(RESILIENT);
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 2,
      fault: { kind: "status", status },
    });
    const res = await h.gql(PACKAGE_QUERY);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ package: { id: "1002", status: "SHIPPED" } });
    expect(packageReads(h)).toBe(3);
  });

  it("retries a connection reset", async () => {
    h = await startHarness(RESILIENT);
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 1,
      fault: { kind: "reset" },
    });
    const res = await h.gql(PACKAGE_QUERY);
    expect(res.body.data).toEqual({ package: { id: "1002", status: "SHIPPED" } });
    expect(packageReads(h)).toBe(2);
  });

  it("waits for Retry-After on a 429 when it fits in the deadline", async () => {
    h = await startHarness({ ...RESILIENT, OMS_TIMEOUT_MS: "3000" });
    const harness = h;
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 1,
      fault: { kind: "status", status: 429, headers: { "retry-after": "1" } },
    });
    const clock = fakeClock();
    try {
      const answer = settled(h.gql(PACKAGE_QUERY));
      await untilIo(() => packageReads(harness) === 1, "the first read");
      await clock.advance(999);
      // Not tried again before the second the OMS asked for.
      expect(packageReads(h)).toBe(1);
      expect(answer.done).toBe(false);
      await clock.advance(1);
      const res = await answer.promise;
      expect(res.body.data).toEqual({ package: { id: "1002", status: "SHIPPED" } });
      expect(packageReads(h)).toBe(2);
    } finally {
      clock.restore();
    }
  });

  it("gives up with OMS_RATE_LIMITED when Retry-After is beyond the deadline", async () => {
    h = await startHarness({ ...RESILIENT, OMS_TIMEOUT_MS: "1000" });
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      fault: { kind: "status", status: 429, headers: { "retry-after": "30" } },
    });
    const res = await h.gql(PACKAGE_QUERY);
    expect(res.body.errors?.[0]?.extensions).toEqual({ code: "OMS_RATE_LIMITED", retryAfterSeconds: 30 });
    expect(packageReads(h)).toBe(1);
  });

  it("does not retry answers that will not change: a 500, a 404, a 401", async () => {
    h = await startHarness(RESILIENT);
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 1,
      fault: { kind: "status", status: 500 },
    });
    const res = await h.gql(PACKAGE_QUERY);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");
    expect(packageReads(h)).toBe(1);
  });
});

describe("commands are never retried", () => {
  it.each([
    ["a 503", { kind: "status", status: 503 } as const],
    ["a reset", { kind: "reset" } as const],
  ])("sends a command once after %s", async (_name, fault) => {
    h = await startHarness(RESILIENT);
    h.sim.injectFault({ method: "POST", path: "/api/v1/oms/packages/1001/command/", times: 1, fault });
    await h.gql(MUTATION);
    expect(h.commands()).toHaveLength(1);
  });
});

describe("the circuit breaker", () => {
  it("opens after consecutive failures, fails fast without calling the OMS, then closes after a good probe", async () => {
    h = await startHarness({ ...RESILIENT, OMS_READ_ATTEMPTS: "1" });
    h.sim.injectFault({
      method: "GET",
      path: "/api/v1/oms/packages/1002/",
      times: 3,
      fault: { kind: "status", status: 500 },
    });
    for (let i = 0; i < 3; i++) {
      const res = await h.gql(PACKAGE_QUERY);
      expect(res.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");
    }
    expect(packageReads(h)).toBe(3);

    // Open: the next calls, reads and commands alike, are refused here and reach nothing.
    const read = await h.gql(PACKAGE_QUERY);
    expect(read.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");
    expect(read.body.errors?.[0]?.message).toMatch(/paused/);
    const command = await h.gql(MUTATION);
    expect(command.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");
    expect(packageReads(h)).toBe(3);
    expect(h.commands()).toHaveLength(0);
    expect(await ready(h)).toBe(503);
    const metrics = await (await request(`${h.url}/metrics`)).body.text();
    expect(metrics).toMatch(/^oms_graph_oms_breaker_state 2$/m);
    expect(h.logs.some((line) => line.msg?.toString().startsWith("OMS circuit breaker opened"))).toBe(true);

    // After the half-open delay one probe goes through; it succeeds, so the breaker closes.
    await new Promise((resolve) => setTimeout(resolve, 450));
    const probe = await h.gql(PACKAGE_QUERY);
    expect(probe.body.data).toEqual({ package: { id: "1002", status: "SHIPPED" } });
    expect(packageReads(h)).toBe(4);
    const after = await h.gql(MUTATION);
    expect(after.body.data).toEqual({ updatePackageShipment: { __typename: "ShipmentUpdated" } });
    const closed = await (await request(`${h.url}/metrics`)).body.text();
    expect(closed).toMatch(/^oms_graph_oms_breaker_state 0$/m);
  });

  it("does not open on business answers: 400, 404 and 406 are the OMS working", async () => {
    h = await startHarness({ ...RESILIENT, OMS_READ_ATTEMPTS: "1" });
    for (let i = 0; i < 5; i++) {
      // Package 1002 is shipped: transition 41 is refused with a 406 every time.
      const rejected = await h.gql(MUTATION.replace('"1001"', '"1002"'));
      expect(rejected.body.data).toEqual({ updatePackageShipment: { __typename: "CommandRejected" } });
      const missing = await h.gql('{ package(id: "999999") { id } }');
      expect(missing.body.data).toEqual({ package: null });
    }
    const res = await h.gql(PACKAGE_QUERY);
    expect(res.body.data).toEqual({ package: { id: "1002", status: "SHIPPED" } });
  });
});
