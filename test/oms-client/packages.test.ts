/**
 * The OMS client's package read: how a package answer maps to the domain package (status, shipment,
 * label, dates), null for 404, and OMS_UNAVAILABLE for malformed, oversized or too slow answers.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { PackageStatus } from "../../src/domain/package.js";
import { fakeClock, settled, untilIo } from "../helpers/fake-clock.js";
import { cleanups, clientFor, fakeOms, jsonReply, Reply } from "../helpers/fake-oms.js";
import { rejection } from "../helpers/oms-error.js";

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("getPackage", () => {
  const PACKAGE = {
    id: 1001,
    number: "PKG-1001",
    state: { id: 5, name: "Packed", enum_class: "PackageStatus", enum_value: "500" },
    commands: [],
    order_id: 77,
    order_number: "ORD-77",
    shipment: { awb_number: "YK1001", query_number: null, cargo_company: 1 },
    shipping_label: { url: "https://labels.example.com/1001.pdf", modified_date: "2024-05-01T10:00:00Z" },
    stock_location: { id: 1 },
    created_date: "2024-04-30T08:00:00Z",
    modified_date: "2024-05-01T10:00:00Z",
  };

  it("reads and maps a package", async () => {
    const oms = await fakeOms(() => jsonReply(200, PACKAGE));
    expect(await clientFor(oms.url).getPackage(1001)).toStrictEqual({
      id: 1001,
      number: "PKG-1001",
      status: "packed",
      statusName: "Packed",
      shipment: { trackingNumber: "YK1001", queryNumber: null, cargoCompanyId: 1 },
      label: { url: "https://labels.example.com/1001.pdf", updatedAt: "2024-05-01T10:00:00Z" },
      orderNumber: "ORD-77",
      modifiedAt: "2024-05-01T10:00:00Z",
    });
    expect(oms.requests).toEqual([
      expect.objectContaining({ method: "GET", url: "/api/v1/oms/packages/1001/", body: "" }),
    ]);
    expect(oms.requests[0]?.headers["content-type"]).toBeUndefined();
  });

  it("maps a package without shipment or label", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, { id: 1005, state: { name: "Waiting", enum_value: "100" }, shipment: null }),
    );
    expect(await clientFor(oms.url).getPackage(1005)).toStrictEqual({
      id: 1005,
      number: null,
      status: "waiting",
      statusName: "Waiting",
      shipment: null,
      label: null,
      orderNumber: null,
      modifiedAt: null,
    });
  });

  it("takes modifiedAt from the package's own modified_date, apart from the label's", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, {
        ...PACKAGE,
        shipping_label: { url: "https://labels.example.com/1001.pdf", modified_date: "2024-05-01T10:00:00Z" },
        modified_date: "2024-05-02T11:30:00Z",
      }),
    );
    const pkg = await clientFor(oms.url).getPackage(1001);
    expect(pkg?.modifiedAt).toBe("2024-05-02T11:30:00Z");
    expect(pkg?.label?.updatedAt).toBe("2024-05-01T10:00:00Z");
  });

  it("reads a cargo company sent as an object", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, {
        ...PACKAGE,
        shipment: { awb_number: "MN1003", query_number: "Q", cargo_company: { id: 3 } },
      }),
    );
    expect((await clientFor(oms.url).getPackage(1003))?.shipment).toStrictEqual({
      trackingNumber: "MN1003",
      queryNumber: "Q",
      cargoCompanyId: 3,
    });
  });

  const statusRows: [
    string,
    Record<string, unknown> | undefined,
    Record<string, PackageStatus>,
    PackageStatus,
    string,
  ][] = [
    ["public number 100", { name: "Waiting", enum_value: "100" }, {}, "waiting", "Waiting"],
    ["public number over the name", { name: "Something", enum_value: "200" }, {}, "preparing", "Something"],
    [
      "public number 400",
      { name: "Ready for Packaging", enum_value: "400" },
      {},
      "ready_for_packaging",
      "Ready for Packaging",
    ],
    ["public number sent as a number", { enum_value: 500 }, {}, "packed", "500"],
    ["OMS_STATUS_MAP", { name: "Versandt", enum_value: "600" }, { "600": "shipped" }, "shipped", "Versandt"],
    [
      "OMS_STATUS_MAP over the name",
      { name: "Shipped", enum_value: "600" },
      { "600": "delivered" },
      "delivered",
      "Shipped",
    ],
    [
      "OMS_STATUS_MAP over a public number",
      { name: "Packed", enum_value: "500" },
      { "500": "shipped" },
      "shipped",
      "Packed",
    ],
    ["an unknown number by name", { name: "Shipped", enum_value: "700" }, {}, "shipped", "Shipped"],
    [
      "a name with spaces",
      { name: "Attempted Delivery", enum_value: "930" },
      {},
      "attempted_delivery",
      "Attempted Delivery",
    ],
    [
      "a name with a hyphen",
      { name: "delivery-failed", enum_value: "940" },
      {},
      "delivery_failed",
      "delivery-failed",
    ],
    ["a padded upper-case name", { name: "  CANCELLED " }, {}, "cancelled", "  CANCELLED "],
    ["an unknown status", { name: "Out of Stock", enum_value: "920" }, {}, "other", "Out of Stock"],
    ["an unknown number without a name", { enum_value: "920" }, {}, "other", "920"],
    ["a state named other", { name: "Other" }, {}, "other", "Other"],
    ["no state", undefined, {}, "other", ""],
  ];

  it.each(statusRows)("recognises the status by %s", async (_name, state, map, status, statusName) => {
    const oms = await fakeOms(() => jsonReply(200, { id: 1, state }));
    const record = await clientFor(oms.url, { statusMap: new Map(Object.entries(map)) }).getPackage(1);
    expect(record?.status).toBe(status);
    expect(record?.statusName).toBe(statusName);
  });

  it("answers null for 404", async () => {
    const oms = await fakeOms(() => jsonReply(404, { detail: "Not found." }));
    expect(await clientFor(oms.url).getPackage(9999)).toBeNull();
  });

  it.each([
    [
      "malformed JSON",
      { status: 200, headers: { "content-type": "application/json" }, body: '{"id": 1001,' },
      "non-JSON answer",
    ],
    [
      "an HTML page",
      { status: 200, headers: { "content-type": "text/html" }, body: "<html>hi</html>" },
      "non-JSON answer",
    ],
    ["an array", jsonReply(200, [PACKAGE]), "package"],
    ["a string", jsonReply(200, "package"), "package"],
    ["null", jsonReply(200, null), "package"],
    ["an id that is not an integer", jsonReply(200, { ...PACKAGE, id: "1001" }), "package"],
    ["an empty body", { status: 200 }, "non-JSON answer"],
  ] as [string, Reply, string][])("throws OMS_UNAVAILABLE for %s", async (_name, reply, what) => {
    const oms = await fakeOms(() => reply);
    const error = await rejection(clientFor(oms.url).getPackage(1001));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe(`The OMS sent a malformed ${what}.`);
  });

  it("throws OMS_UNAVAILABLE for an answer cut at the size cap", async () => {
    const oms = await fakeOms(() => jsonReply(200, { ...PACKAGE, padding: "x".repeat(4096) }));
    const error = await rejection(clientFor(oms.url, { maxResponseBytes: 1024 }).getPackage(1001));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe("The OMS sent a malformed incomplete or oversized answer.");
  });

  it("throws OMS_UNAVAILABLE when the body is still trickling in at the deadline", async () => {
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    const oms = await fakeOms((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"id": 1001, "padding": "');
      // On the real clock, which the fake one below leaves alone.
      timer = setInterval(() => {
        if (res.destroyed) return;
        sent++;
        res.write("x");
      }, 10);
      return undefined;
    });
    cleanups.push(async () => clearInterval(timer));
    const clock = fakeClock();
    cleanups.push(async () => clock.restore());
    const read = settled(rejection(clientFor(oms.url, { timeoutMs: 300 }).getPackage(1001)));
    await untilIo(() => sent >= 5, "the body to start trickling");
    await clock.advance(299);
    expect(read.done).toBe(false);
    await clock.advance(1);
    const error = await read.promise;
    expect(error.code).toBe("OMS_UNAVAILABLE");
  });

  it.each([
    [500, "OMS_UNAVAILABLE"],
    [401, "OMS_UNAUTHORIZED"],
    [429, "OMS_RATE_LIMITED"],
  ])("throws on %i", async (status, code) => {
    const oms = await fakeOms(() => jsonReply(status, { detail: "No." }));
    expect((await rejection(clientFor(oms.url).getPackage(1001))).code).toBe(code);
  });
});
