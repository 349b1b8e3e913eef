/**
 * What the fault-suite specs share: the request pair each fault is tried with, the two modes the
 * table runs in (one OMS call per request; the resilience defaults), and a bench that starts a real
 * gateway in front of loopback fault servers and checks, after every case, that the gateway is
 * healthy and has leaked nothing.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import { type Fault, type Outcome, UPDATED } from "./fault-rows.js";
import { type FaultGateway, FaultServer, startFaultGateway } from "./fault-server.js";

export const MUTATION = `mutation FaultCommand($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber queryNumber } }
    ... on ValidationError { message fieldErrors { path message code } }
    ... on CommandRejected { message code packageId }
  }
}`;
export const QUERY = `query FaultRead($id: ID!) {
  package(id: $id) { id status statusName shipment { trackingNumber queryNumber } }
}`;
export const INPUT = { packageId: "1001", cargoCompanyId: "1", trackingNumber: "FAULT-1", transitionId: 41 };
export const WIRE_COMMAND = '{"transition_id":41,"awb_number":"FAULT-1","cargo_company":1}';

export const GOOD_READ = {
  package: {
    id: "1001",
    status: "PACKED",
    statusName: "Packed",
    shipment: { trackingNumber: "YK1001", queryNumber: null },
  },
};

export function expectedBody(outcome: Outcome, field: "updatePackageShipment" | "package"): unknown {
  if ("result" in outcome) return { data: { [field]: outcome.result } };
  const { code, message, retryAfterSeconds, reason } = outcome;
  return {
    data: field === "package" ? { package: null } : null,
    errors: [
      {
        message,
        locations: [{ line: 2, column: 3 }],
        path: [field],
        extensions: {
          code,
          ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
          ...(reason === undefined ? {} : { reason }),
        },
      },
    ],
  };
}

export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (!condition() && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface Mode {
  name: string;
  deadline: number;
  retries: boolean;
  env: Record<string, string>;
}

export const ONE_CALL: Mode = {
  name: "one OMS call per request (retries and breaker off)",
  deadline: 500,
  retries: false,
  env: { OMS_TIMEOUT_MS: "500" },
};

// The deadline leaves room for both jittered backoffs of a read (under 200 ms, then under 400 ms),
// so a retried read is tried exactly three times whatever the jitter.
export const RESILIENCE_DEFAULTS: Mode = {
  name: "resilience defaults (3 read attempts, breaker after 5 failures)",
  deadline: 1000,
  retries: true,
  env: { OMS_TIMEOUT_MS: "1000", OMS_READ_ATTEMPTS: "3", OMS_BREAKER_THRESHOLD: "5" },
};

let nextId = 0;
export const requestId = (prefix: string) => `${prefix}-${++nextId}`;

/**
 * Records uncaught exceptions and unhandled rejections: the gateway runs in this process, and either
 * would stop it in production.
 */
export function watchCrashes(): { start(): void; stop(): void; take(): string[] } {
  const seen: string[] = [];
  const record = (error: unknown) => {
    seen.push(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  };
  return {
    start() {
      process.on("uncaughtException", record);
      process.on("unhandledRejection", record);
    },
    stop() {
      process.off("uncaughtException", record);
      process.off("unhandledRejection", record);
    },
    take: () => seen.splice(0),
  };
}

/** Samples the process's RSS until stopped; returns the highest growth seen, in bytes. */
export function watchRss(): { stop(): number } {
  const base = process.memoryUsage.rss();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 2);
  return {
    stop() {
      clearInterval(timer);
      peak = Math.max(peak, process.memoryUsage.rss());
      return peak - base;
    },
  };
}

// The cap is 4 MiB; what the kernel buffers on loopback comes on top of what the gateway read. A
// gateway that read the whole body would have taken 50 MB off the wire and held it.
export async function expectCutAtCap(rssGrowth: number, fault: FaultServer): Promise<void> {
  // The fault server counts once its socket has closed, which may follow the answer by a moment.
  await waitFor(() => fault.streamedBytes > 0, 1000);
  expect(fault.streamedBytes).toBeGreaterThan(4 * 1024 * 1024);
  expect(fault.streamedBytes).toBeLessThan(20 * 1024 * 1024);
  expect(rssGrowth).toBeLessThan(32 * 1024 * 1024);
}

/** The gateway and fault servers one mode of the suite runs against, with the checks each case ends with. */
export interface FaultBench {
  /** The OMS the gateway is configured with. */
  readonly fault: FaultServer;
  /** Another origin, which a redirect points to and which must never be reached. */
  readonly second: FaultServer;
  readonly gw: FaultGateway;
  readonly crashes: ReturnType<typeof watchCrashes>;
  /** Makes the fault server answer `route` with `behaviour` (a refused port, a redirect to `second`). */
  apply(route: "command" | "package", behaviour: Fault): Promise<void>;
  expectPoolIdle(): Promise<void>;
  expectGoodRequestsWork(): Promise<void>;
  /** Everything that must hold once the faulty request has been answered. */
  expectRecovered(): Promise<void>;
}

/** Starts a gateway in `mode` in front of two fault servers for the enclosing describe. */
export function faultBench(mode: Mode): FaultBench {
  let fault: FaultServer;
  let second: FaultServer;
  let gw: FaultGateway;
  const crashes = watchCrashes();

  beforeAll(async () => {
    crashes.start();
    fault = await FaultServer.start();
    second = await FaultServer.start();
    gw = await startFaultGateway(fault.url, mode.env);
  });
  afterAll(async () => {
    crashes.stop();
    await gw?.close();
    await fault?.close();
    await second?.close();
  });
  // A case that failed half-way must not hand its fault, a closed port or a streak of failures that
  // the breaker is counting to the next case.
  beforeEach(async () => {
    fault.reset();
    await fault.accept();
    await gw.gql(QUERY, { id: "1001" });
  });

  async function apply(route: "command" | "package", behaviour: Fault): Promise<void> {
    if (behaviour.kind === "refused") return fault.refuse();
    if (behaviour.kind === "redirectToSecondOrigin") {
      const location = `${second.url}${behaviour.path}`;
      return fault.on(route, { kind: "answer", status: 307, headers: { location } });
    }
    fault.on(route, behaviour);
  }

  async function expectPoolIdle(): Promise<void> {
    const pool = gw.gateway.omsHttp;
    await waitFor(() => pool.stats.running === 0 && pool.stats.pending === 0, 1000);
    expect({ running: pool.stats.running, pending: pool.stats.pending }).toStrictEqual({
      running: 0,
      pending: 0,
    });
  }

  async function expectGoodRequestsWork(): Promise<void> {
    expect(await gw.getStatus("/health/live")).toBe(200);
    const read = await gw.gql(QUERY, { id: "1001" });
    expect(read.body).toStrictEqual({ data: GOOD_READ });
    const command = await gw.gql(MUTATION, { input: INPUT });
    expect(command.body).toStrictEqual({ data: { updatePackageShipment: UPDATED } });
  }

  async function expectRecovered(): Promise<void> {
    fault.reset();
    await expectPoolIdle();
    await expectGoodRequestsWork();
    // Idle keep-alive connections are the only ones allowed to outlive a case; once they are closed
    // nothing of the fault must remain, on either side.
    fault.closeIdle();
    expect(await fault.waitForOpenSockets(0, 2000)).toBe(0);
    const pool = gw.gateway.omsHttp;
    await waitFor(() => pool.stats.connected === 0, 1000);
    expect(pool.stats).toStrictEqual({ connected: 0, free: 0, pending: 0, running: 0 });
    expect(second.connections).toBe(0);
    expect(second.requests).toStrictEqual([]);
    // An error nobody handles would have ended a production process.
    expect(crashes.take()).toStrictEqual([]);
  }

  return {
    get fault() {
      return fault;
    },
    get second() {
      return second;
    },
    get gw() {
      return gw;
    },
    crashes,
    apply,
    expectPoolIdle,
    expectGoodRequestsWork,
    expectRecovered,
  };
}
