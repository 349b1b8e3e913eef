/**
 * updatePackageShipments over real HTTP, gateway and simulated OMS: one result per input in input
 * order, the exact union member per item, what reached the OMS for each item, per-item failures, and
 * the bulk outcome in the log and in /metrics.
 */
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bulk, input, linesOf, routes, updated } from "../helpers/bulk.js";
import { Item, itemsOf } from "../helpers/bulk-items.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { commandPath, packagePath } from "../helpers/oms-paths.js";

// ---------------------------------------------------------------------------------------------
// Helpers

/** The OMS-side shipment of a package, as the simulator holds it now. */
const shipmentAt = (h: Harness, id: number) => h.sim.getPackage(id)?.shipment ?? null;

const PACKAGE_LIST = "/api/v1/oms/packages/";

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

    // 1005 was only read; 2004 never reached the OMS; 2005 was read to choose its transition, in
    // the same call of the package list as 1005.
    expect(routes(h)).toStrictEqual(
      [
        `GET ${PACKAGE_LIST}`,
        `POST ${commandPath(2000)}`,
        `POST ${commandPath(2002)}`,
        `POST ${commandPath(2003)}`,
        `POST ${commandPath(2005)}`,
      ].sort(),
    );
    expect(h.sim.requests.find((r) => r.path === PACKAGE_LIST)?.query).toStrictEqual({
      id__in: "1005,2005",
      page_size: "2",
    });
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

  it("keeps every item's result when the lazy package read after their 204s fails", async () => {
    const document = `mutation BulkWithPackage($inputs: [UpdatePackageShipmentInput!]!) {
      updatePackageShipments(inputs: $inputs) {
        __typename
        ... on ShipmentUpdated { shipment { trackingNumber queryNumber } package { id shipment { trackingNumber } } }
      }
    }`;
    // The packages of all items are read in one call after the commands; that call fails.
    h.sim.injectFault({
      method: "GET",
      path: PACKAGE_LIST,
      fault: { kind: "status", status: 503, body: '{"detail": "Service unavailable"}' },
    });
    const ids = [2300, 2301, 2302, 2303];
    const res = await h.gql(document, { inputs: ids.map((id) => input(id, { trackingNumber: `P-${id}` })) });

    expect(res.status).toBe(200);
    expect(res.body.data).toStrictEqual({
      updatePackageShipments: ids.map((id) => ({
        __typename: "ShipmentUpdated",
        shipment: { trackingNumber: `P-${id}`, queryNumber: null },
        package: null,
      })),
    });
    expect(res.body.errors?.map((e) => [e.message, e.path, e.extensions?.code])).toStrictEqual(
      ids.map((_, index) => [
        "The OMS answered with an unexpected status (503).",
        ["updatePackageShipments", index, "package"],
        "OMS_UNAVAILABLE",
      ]),
    );
    // Every command once, then one read of the four packages: nothing was sent again.
    expect(routes(h)).toStrictEqual(
      [...ids.map((id) => `POST ${commandPath(id)}`), `GET ${PACKAGE_LIST}`].sort(),
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
