/**
 * updatePackageShipments over real HTTP, gateway and simulated OMS: one result per input in input
 * order, what reached the OMS for each item, the process-wide concurrency bound measured at the OMS,
 * per-item transport failures, progress logging and metrics, and the mutation-field limit that keeps
 * aliases from becoming a second, unbounded bulk path.
 */
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { type UpdatePackageShipmentInput, UpdatePackageShipmentsDocument } from "./generated/operations.js";
import { Item, itemsOf } from "./helpers/bulk-items.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { commandPath, packagePath } from "./helpers/oms-paths.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const input = (
  packageId: number | string,
  overrides: Partial<UpdatePackageShipmentInput> = {},
): UpdatePackageShipmentInput => ({
  packageId,
  cargoCompanyId: "2",
  trackingNumber: `TRK-${packageId}`,
  transitionId: 41,
  ...overrides,
});

/** Every OMS request as "METHOD /path", sorted: bulk items run concurrently, so arrival order is not fixed. */
function routes(h: Harness): string[] {
  return h.sim.requests.map((r) => `${r.method} ${r.path}`).sort();
}

function bulk(h: Harness, inputs: UpdatePackageShipmentInput[], requestId?: string) {
  return h.gql(
    UpdatePackageShipmentsDocument,
    { inputs },
    requestId === undefined ? undefined : { "x-request-id": requestId },
  );
}

const updated = (trackingNumber: string, queryNumber: string | null = null): Item => ({
  __typename: "ShipmentUpdated",
  shipment: { trackingNumber, queryNumber },
});

/** The OMS-side shipment of a package, as the simulator holds it now. */
const shipmentAt = (h: Harness, id: number) => h.sim.getPackage(id)?.shipment ?? null;

interface LogLine {
  msg: string;
  requestId?: string;
  time: string;
  [key: string]: unknown;
}

/** Log lines of one request with the given message; the request line is written as the answer finishes. */
async function linesOf(h: Harness, requestId: string, msg: string, atLeast = 1): Promise<LogLine[]> {
  const lines = () =>
    (h.logs as unknown as LogLine[]).filter((l) => l.msg === msg && l.requestId === requestId);
  await vi.waitFor(() => expect(lines().length).toBeGreaterThanOrEqual(atLeast), {
    timeout: 2_000,
    interval: 5,
  });
  return lines();
}

/** "bulk: ShipmentUpdated=3 CommandFailed=1" → { ShipmentUpdated: 3, CommandFailed: 1 }, order ignored. */
function parseBulkOutcome(outcome: unknown): Record<string, number> {
  expect(typeof outcome).toBe("string");
  const text = outcome as string;
  expect(text.startsWith("bulk: ")).toBe(true);
  const rest = text.slice("bulk: ".length);
  if (rest === "empty") return {};
  return Object.fromEntries(
    rest.split(" ").map((part) => {
      const [name, count] = part.split("=");
      return [name as string, Number(count)];
    }),
  );
}

async function scrape(h: Harness): Promise<string> {
  const res = await request(`${h.url}/metrics`);
  expect(res.statusCode).toBe(200);
  return res.body.text();
}

/** The value of one series, matched on its exact label set; 0 when the series does not exist yet. */
function metric(text: string, name: string, labels: Record<string, string>): number {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  for (const line of text.split("\n")) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const pairs = [...(match[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]);
    if (JSON.stringify(pairs.sort()) === wanted) return Number(match[3]);
  }
  return 0;
}

const TRANSITION_NOT_CONFIGURED_WAITING =
  "No shipment transition is configured for packages in status WAITING; " +
  "the OMS accepts this command for PACKED, SHIPPED, DELIVERED and ATTEMPTED_DELIVERY packages.";
const TRACKING_LENGTH = "trackingNumber must be 1 to 64 characters after trimming.";
const LOST_ANSWER = "The OMS did not answer the command in time; it may or may not have been applied.";

// ---------------------------------------------------------------------------------------------

describe("one result per input, in input order", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ OMS_TIMEOUT_MS: "300" });
  });
  afterAll(() => h?.close());
  beforeEach(() => h.sim.reset());

  it("answers a mix of outcomes with the exact union member per item, each at its own path", async () => {
    const inputs = [
      input(2000, { trackingNumber: "MIX-0", queryNumber: "Q-0" }),
      // A WAITING package with per-status transitions configured: refused before any command.
      input(1005, { trackingNumber: "MIX-1", transitionId: null }),
      input(2002, { trackingNumber: "MIX-2", cargoCompanyId: "99" }),
      input(2003, { trackingNumber: "MIX-3", transitionId: 50 }),
      input(2004, { trackingNumber: "   " }),
      input(2005, { trackingNumber: "  MIX-5  ", transitionId: null }),
    ];
    const res = await bulk(h, inputs);
    expect(itemsOf(res)).toStrictEqual<Item[]>([
      updated("MIX-0", "Q-0"),
      {
        __typename: "ValidationError",
        message: TRANSITION_NOT_CONFIGURED_WAITING,
        fieldErrors: [
          {
            path: ["inputs", "1", "packageId"],
            message: TRANSITION_NOT_CONFIGURED_WAITING,
            code: "TRANSITION_NOT_CONFIGURED",
          },
        ],
      },
      {
        __typename: "ValidationError",
        message: 'The OMS refused the input: cargoCompanyId: Invalid pk "99" - object does not exist.',
        fieldErrors: [
          {
            path: ["inputs", "2", "cargoCompanyId"],
            message: 'Invalid pk "99" - object does not exist.',
            code: "OMS_VALIDATION",
          },
        ],
      },
      {
        __typename: "CommandRejected",
        message:
          "Transition 50 moves a package from Packed to Shipped; updating shipment info needs a transition that keeps the status.",
        code: "transition_not_allowed",
        packageId: "2003",
      },
      {
        __typename: "ValidationError",
        message: TRACKING_LENGTH,
        fieldErrors: [
          { path: ["inputs", "4", "trackingNumber"], message: TRACKING_LENGTH, code: "INVALID_LENGTH" },
        ],
      },
      updated("MIX-5"),
    ]);

    // 1005 was only read; 2004 never reached the OMS; 2005 was read to choose its transition.
    expect(routes(h)).toStrictEqual(
      [
        `GET ${packagePath(1005)}`,
        `POST ${commandPath(2000)}`,
        `POST ${commandPath(2002)}`,
        `POST ${commandPath(2003)}`,
        `GET ${packagePath(2005)}`,
        `POST ${commandPath(2005)}`,
      ].sort(),
    );
    const sent = h.commands().find((r) => r.path === commandPath(2005));
    expect(sent?.json).toStrictEqual({ transition_id: 41, awb_number: "MIX-5", cargo_company: 2 });
    expect(shipmentAt(h, 2000)).toStrictEqual({ awb_number: "MIX-0", query_number: "Q-0", cargo_company: 2 });
    expect(shipmentAt(h, 2005)).toStrictEqual({ awb_number: "MIX-5", query_number: null, cargo_company: 2 });
    for (const id of [1005, 2002, 2003, 2004]) expect(shipmentAt(h, id)).toBeNull();
  });

  it("sends a package that appears twice once; the later input is a DUPLICATE_PACKAGE ValidationError", async () => {
    const inputs = [
      input("2001", { trackingNumber: "DUP-FIRST" }),
      input(2010, { trackingNumber: "OTHER" }),
      // The same package written as a number: still the same package.
      input(2001, { trackingNumber: "DUP-SECOND" }),
    ];
    const res = await bulk(h, inputs);
    const message = "Package 2001 is already updated by inputs[0] in this call; it was not sent again.";
    expect(itemsOf(res)).toStrictEqual<Item[]>([
      updated("DUP-FIRST"),
      updated("OTHER"),
      {
        __typename: "ValidationError",
        message,
        fieldErrors: [{ path: ["inputs", "2", "packageId"], message, code: "DUPLICATE_PACKAGE" }],
      },
    ]);
    expect(routes(h)).toStrictEqual([`POST ${commandPath(2001)}`, `POST ${commandPath(2010)}`]);
    expect(shipmentAt(h, 2001)?.awb_number).toBe("DUP-FIRST");
  });

  it("answers an empty list with an empty list and no OMS call", async () => {
    const res = await bulk(h, [], "bulk-empty");
    expect(itemsOf(res)).toStrictEqual([]);
    expect(h.sim.requests).toHaveLength(0);
    const [line] = await linesOf(h, "bulk-empty", "request");
    expect(line?.outcome).toBe("bulk: empty");
  });

  it("turns each item's failure into that item's CommandFailed while the others succeed", async () => {
    h.sim.injectFault({ path: commandPath(2101), fault: { kind: "status", status: 500 } });
    h.sim.injectFault({ path: commandPath(2102), fault: { kind: "hang" } });
    h.sim.injectFault({ path: commandPath(2103), fault: { kind: "reset" } });
    h.sim.injectFault({ path: commandPath(2104), fault: { kind: "resetAfterApply" } });
    h.sim.injectFault({ path: commandPath(2106), fault: { kind: "hangAfterApply" } });
    h.sim.injectFault({ path: commandPath(2107), fault: { kind: "status", status: 429 } });
    const ids = [2100, 2101, 2102, 2103, 2104, 2105, 2106, 2107];
    const before = await scrape(h);
    const res = await bulk(
      h,
      ids.map((id) => input(id, { trackingNumber: `F-${id}` })),
      "bulk-failures",
    );

    expect(itemsOf(res)).toStrictEqual<Item[]>([
      updated("F-2100"),
      // A 500 came after the command was sent: it says nothing about whether it was applied.
      {
        __typename: "CommandFailed",
        message: "The OMS answered the command with status 500; it may or may not have been applied.",
        code: "OMS_OUTCOME_UNKNOWN",
        packageId: "2101",
        outcomeKnown: false,
      },
      {
        __typename: "CommandFailed",
        message: LOST_ANSWER,
        code: "OMS_OUTCOME_UNKNOWN",
        packageId: "2102",
        outcomeKnown: false,
      },
      {
        __typename: "CommandFailed",
        message: LOST_ANSWER,
        code: "OMS_OUTCOME_UNKNOWN",
        packageId: "2103",
        outcomeKnown: false,
      },
      // Applied, answer lost: the read-back proves it.
      updated("F-2104"),
      updated("F-2105"),
      updated("F-2106"),
      // Refused before it ran: known not applied.
      {
        __typename: "CommandFailed",
        message: "The OMS is rate limiting the gateway; try again later.",
        code: "OMS_RATE_LIMITED",
        packageId: "2107",
        outcomeKnown: true,
      },
    ]);

    // Each command once; one read-back wherever the answer left the outcome open, a 500 included.
    expect(routes(h)).toStrictEqual(
      [
        ...ids.map((id) => `POST ${commandPath(id)}`),
        ...[2101, 2102, 2103, 2104, 2106].map((id) => `GET ${packagePath(id)}`),
      ].sort(),
    );
    for (const id of [2100, 2104, 2105, 2106]) {
      expect(shipmentAt(h, id)).toStrictEqual({
        awb_number: `F-${id}`,
        query_number: null,
        cargo_company: 2,
      });
    }
    for (const id of [2101, 2102, 2103, 2107]) expect(shipmentAt(h, id)).toBeNull();

    const [line] = await linesOf(h, "bulk-failures", "request");
    expect(line?.status).toBe(200);
    expect(line?.operation).toBe("UpdatePackageShipments");
    expect(parseBulkOutcome(line?.outcome)).toStrictEqual({ ShipmentUpdated: 4, CommandFailed: 4 });

    const after = await scrape(h);
    const delta = (name: string, labels: Record<string, string>) =>
      metric(after, name, labels) - metric(before, name, labels);
    expect(delta("oms_graph_bulk_items_total", { result: "ShipmentUpdated" })).toBe(4);
    expect(delta("oms_graph_bulk_items_total", { result: "CommandFailed" })).toBe(4);
    expect(delta("oms_graph_bulk_items_total", { result: "ValidationError" })).toBe(0);
    const results = (result: string, code: string) =>
      delta("oms_graph_mutation_results_total", { mutation: "updatePackageShipments", result, code });
    expect(results("ShipmentUpdated", "")).toBe(4);
    expect(results("CommandFailed", "OMS_UNAVAILABLE")).toBe(0);
    expect(results("CommandFailed", "OMS_OUTCOME_UNKNOWN")).toBe(3);
    expect(results("CommandFailed", "OMS_RATE_LIMITED")).toBe(1);
    expect(metric(after, "oms_graph_bulk_commands_in_flight", {})).toBe(0);
    expect(metric(after, "oms_graph_bulk_commands_queued", {})).toBe(0);
  });

  it("keeps every item's result when one item's lazy package read fails after its 204", async () => {
    const document = `mutation BulkWithPackage($inputs: [UpdatePackageShipmentInput!]!) {
      updatePackageShipments(inputs: $inputs) {
        __typename
        ... on ShipmentUpdated { shipment { trackingNumber queryNumber } package { id shipment { trackingNumber } } }
      }
    }`;
    h.sim.injectFault({
      method: "GET",
      path: packagePath(2302),
      fault: { kind: "status", status: 503, body: '{"detail": "Service unavailable"}' },
    });
    const ids = [2300, 2301, 2302, 2303];
    const res = await h.gql(document, { inputs: ids.map((id) => input(id, { trackingNumber: `P-${id}` })) });

    expect(res.status).toBe(200);
    const withPackage = (id: number) => ({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: `P-${id}`, queryNumber: null },
      package: { id: String(id), shipment: { trackingNumber: `P-${id}` } },
    });
    expect(res.body.data).toStrictEqual({
      updatePackageShipments: [
        withPackage(2300),
        withPackage(2301),
        {
          __typename: "ShipmentUpdated",
          shipment: { trackingNumber: "P-2302", queryNumber: null },
          package: null,
        },
        withPackage(2303),
      ],
    });
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered with an unexpected status (503).",
      path: ["updatePackageShipments", 2, "package"],
      extensions: { code: "OMS_UNAVAILABLE" },
    });
    // Every command once, every package read once after it: nothing was sent again.
    expect(routes(h)).toStrictEqual(
      [...ids.map((id) => `POST ${commandPath(id)}`), ...ids.map((id) => `GET ${packagePath(id)}`)].sort(),
    );
    for (const id of ids) {
      expect(shipmentAt(h, id)).toStrictEqual({
        awb_number: `P-${id}`,
        query_number: null,
        cargo_company: 2,
      });
    }
  });

  it("logs the bulk outcome and counts every union member and code in /metrics", async () => {
    const before = await scrape(h);
    const res = await bulk(
      h,
      [
        input(2200),
        input(2201, { cargoCompanyId: "99" }),
        input(2202, { transitionId: 50 }),
        input(2203, { trackingNumber: "" }),
        input(2200, { trackingNumber: "AGAIN" }),
        input(2204),
      ],
      "bulk-metrics",
    );
    expect(itemsOf(res).map((item) => item.__typename)).toStrictEqual([
      "ShipmentUpdated",
      "ValidationError",
      "CommandRejected",
      "ValidationError",
      "ValidationError",
      "ShipmentUpdated",
    ]);
    const [line] = await linesOf(h, "bulk-metrics", "request");
    expect(parseBulkOutcome(line?.outcome)).toStrictEqual({
      ShipmentUpdated: 2,
      ValidationError: 3,
      CommandRejected: 1,
    });

    const after = await scrape(h);
    const delta = (name: string, labels: Record<string, string>) =>
      metric(after, name, labels) - metric(before, name, labels);
    expect(delta("oms_graph_bulk_items_total", { result: "ShipmentUpdated" })).toBe(2);
    expect(delta("oms_graph_bulk_items_total", { result: "ValidationError" })).toBe(3);
    expect(delta("oms_graph_bulk_items_total", { result: "CommandRejected" })).toBe(1);
    const results = (result: string, code: string) =>
      delta("oms_graph_mutation_results_total", { mutation: "updatePackageShipments", result, code });
    expect(results("ShipmentUpdated", "")).toBe(2);
    expect(results("ValidationError", "OMS_VALIDATION")).toBe(1);
    expect(results("ValidationError", "INVALID_LENGTH")).toBe(1);
    expect(results("ValidationError", "DUPLICATE_PACKAGE")).toBe(1);
    expect(results("CommandRejected", "transition_not_allowed")).toBe(1);
    // Bulk items are not counted as single mutations.
    expect(
      delta("oms_graph_mutation_results_total", {
        mutation: "updatePackageShipment",
        result: "ShipmentUpdated",
        code: "",
      }),
    ).toBe(0);
  });
});

describe("BULK_MAX_ITEMS", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BULK_MAX_ITEMS: "5" });
  });
  afterAll(() => h?.close());
  beforeEach(() => h.sim.reset());

  it("refuses one input more than the limit as BAD_USER_INPUT without any OMS call", async () => {
    const res = await bulk(
      h,
      [2000, 2001, 2002, 2003, 2004, 2005].map((id) => input(id)),
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "updatePackageShipments takes at most 5 inputs per call, got 6.",
      path: ["updatePackageShipments"],
      extensions: { code: "BAD_USER_INPUT", argumentName: "inputs" },
    });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("runs exactly the limit", async () => {
    const res = await bulk(
      h,
      [2000, 2001, 2002, 2003, 2004].map((id) => input(id)),
    );
    expect(itemsOf(res).map((item) => item.__typename)).toStrictEqual(Array(5).fill("ShipmentUpdated"));
    expect(h.commands()).toHaveLength(5);
  });
});

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
    const started = performance.now();
    const res = await bulk(
      h,
      ids(2600, 30).map((id) => input(id)),
      "bulk-progress",
    );
    const elapsedMs = performance.now() - started;
    expect(itemsOf(res)).toHaveLength(30);
    expect(elapsedMs).toBeGreaterThan(2_000);

    await linesOf(h, "bulk-progress", "request");
    const progress = (h.logs as unknown as LogLine[]).filter(
      (l) => l.msg === "bulk progress" && l.requestId === "bulk-progress",
    );
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(progress.length).toBeLessThanOrEqual(Math.floor(elapsedMs / 1000) + 1);
    let lastDone = 0;
    for (const line of progress) {
      expect(line.level).toBe("info");
      expect(line.total).toBe(30);
      expect(line.done as number).toBeGreaterThan(lastDone);
      expect(line.done as number).toBeLessThan(30);
      expect(line.perSecond as number).toBeGreaterThan(0);
      lastDone = line.done as number;
    }
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

describe("MAX_MUTATION_FIELDS", () => {
  const SINGLE = `
    updatePackageShipment(input: $a) {
      __typename
    }`;
  const variables = {
    a: input(2000, { trackingNumber: "ALIAS-A" }),
    b: input(2001, { trackingNumber: "ALIAS-B" }),
  };
  const VARS = "$a: UpdatePackageShipmentInput!, $b: UpdatePackageShipmentInput!";
  const TWO_ALIASED = `mutation Two(${VARS}) {
    a: updatePackageShipment(input: $a) { __typename }
    b: updatePackageShipment(input: $b) { __typename }
  }`;

  async function expectRefused(h: Harness, query: string, vars: object, count: number) {
    const res = await h.gql(query, vars);
    expect(h.sim.requests).toHaveLength(0);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.message).toBe(
      `An operation may run at most 1 mutation field(s), got ${count}; use updatePackageShipments for many packages.`,
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe("TOO_MANY_MUTATION_FIELDS");
  }

  describe("at its default of 1", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(() => h?.close());
    beforeEach(() => h.sim.reset());

    it("refuses two aliased updatePackageShipment fields without any OMS call", async () => {
      await expectRefused(h, TWO_ALIASED, variables, 2);
    });

    it("counts fields reached through a fragment spread", async () => {
      const query = `mutation Spread(${VARS}) {
        a: updatePackageShipment(input: $a) { __typename }
        ...More
      }
      fragment More on Mutation {
        b: updatePackageShipment(input: $b) { __typename }
      }`;
      await expectRefused(h, query, variables, 2);
    });

    it("counts fields reached through a spread that holds both, and through inline fragments", async () => {
      const spread = `mutation OnlySpread(${VARS}) { ...Both }
        fragment Both on Mutation {
          a: updatePackageShipment(input: $a) { __typename }
          b: updatePackageShipment(input: $b) { __typename }
        }`;
      await expectRefused(h, spread, variables, 2);
      const inline = `mutation Inline(${VARS}) {
        ... on Mutation { a: updatePackageShipment(input: $a) { __typename } }
        ... { b: updatePackageShipment(input: $b) { __typename } }
      }`;
      await expectRefused(h, inline, variables, 2);
    });

    it("refuses a single and a bulk field in one operation", async () => {
      const query = `mutation Mixed($a: UpdatePackageShipmentInput!, $list: [UpdatePackageShipmentInput!]!) {
        updatePackageShipment(input: $a) { __typename }
        updatePackageShipments(inputs: $list) { __typename }
      }`;
      await expectRefused(h, query, { a: variables.a, list: [variables.b] }, 2);
    });

    it("runs one field next to __typename", async () => {
      const res = await h.gql(`mutation One($a: UpdatePackageShipmentInput!) { __typename ${SINGLE} }`, {
        a: variables.a,
      });
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        data: { __typename: "Mutation", updatePackageShipment: { __typename: "ShipmentUpdated" } },
      });
      expect(h.commands()).toHaveLength(1);
    });
  });

  describe("raised to 2", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ MAX_MUTATION_FIELDS: "2" });
    });
    afterAll(() => h?.close());
    beforeEach(() => h.sim.reset());

    it("runs two aliased fields", async () => {
      const res = await h.gql(TWO_ALIASED, variables);
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        data: {
          a: { __typename: "ShipmentUpdated" },
          b: { __typename: "ShipmentUpdated" },
        },
      });
      expect(routes(h)).toStrictEqual([`POST ${commandPath(2000)}`, `POST ${commandPath(2001)}`]);
    });

    it("still refuses three", async () => {
      const query = `mutation Three(${VARS}, $c: UpdatePackageShipmentInput!) {
        a: updatePackageShipment(input: $a) { __typename }
        b: updatePackageShipment(input: $b) { __typename }
        c: updatePackageShipment(input: $c) { __typename }
      }`;
      const res = await h.gql(query, { ...variables, c: input(2002) });
      expect(h.sim.requests).toHaveLength(0);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.message).toBe(
        "An operation may run at most 2 mutation field(s), got 3; use updatePackageShipments for many packages.",
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe("TOO_MANY_MUTATION_FIELDS");
    });
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
