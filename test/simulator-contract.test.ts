/**
 * The OMS's field names as the shared OMS documentation gives them (oms-api.md "Reading packages",
 * "The command", "Error bodies"; update-shipment-info-command.txt), written out here as literals:
 * the simulator and the gateway's client each define the wire on their own, so a misread name on
 * either side fails here instead of being repeated on both.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpdateShipmentOnlyDocument } from "./generated/operations.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const PACKAGE_FIELDS = [
  "commands",
  "created_date",
  "id",
  "modified_date",
  "number",
  "order_id",
  "order_number",
  "shipment",
  "shipping_label",
  "state",
  "stock_location",
];
const STATE_FIELDS = ["enum_class", "enum_value", "id", "name"];
const SHIPMENT_FIELDS = ["awb_number", "cargo_company", "query_number"];
const LABEL_FIELDS = ["modified_date", "url"];
const PAGE_FIELDS = ["count", "next", "previous", "results"];
const CARGO_COMPANY_FIELDS = ["erp_code", "id", "name", "shipping_company"];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());
beforeEach(() => h.sim.reset());

const keys = (value: unknown) => Object.keys(value as object).sort();

async function oms(path: string, init: { method?: string; body?: unknown; token?: string } = {}) {
  const res = await fetch(`${h.sim.url}${path}`, {
    method: init.method ?? "GET",
    headers: { authorization: `Token ${init.token ?? h.sim.token}`, "content-type": "application/json" },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  // biome-ignore lint/suspicious/noExplicitAny: the assertions check this JSON's field names one by one.
  const body: Record<string, any> = text === "" ? undefined : JSON.parse(text);
  return { status: res.status, body };
}

describe("the simulator's package JSON", () => {
  it("has exactly the documented fields, with a shipment and a label", async () => {
    const { status, body } = await oms("/api/v1/oms/packages/1002/");
    expect(status).toBe(200);
    expect(keys(body)).toStrictEqual(PACKAGE_FIELDS);
    expect(keys(body.state)).toStrictEqual(STATE_FIELDS);
    expect(body.state).toMatchObject({ name: "Shipped", enum_class: "PackageStatus", enum_value: "600" });
    expect(keys(body.shipment)).toStrictEqual(SHIPMENT_FIELDS);
    expect(body.shipment).toStrictEqual({ awb_number: "AR1002", query_number: "Q-1002", cargo_company: 2 });
    expect(keys(body.shipping_label)).toStrictEqual(LABEL_FIELDS);
    expect(body).toMatchObject({ id: 1002, number: "PKG-1002", order_number: "ORD-1002" });
  });

  it("sends shipment and shipping_label as null until a shipment exists", async () => {
    const { body } = await oms("/api/v1/oms/packages/1005/");
    expect(keys(body)).toStrictEqual(PACKAGE_FIELDS);
    expect(body.shipment).toBeNull();
    expect(body.shipping_label).toBeNull();
  });

  it("pages packages and cargo companies as DRF does", async () => {
    const packages = await oms("/api/v1/oms/packages/?page_size=1");
    expect(keys(packages.body)).toStrictEqual(PAGE_FIELDS);
    expect(keys(packages.body.results[0])).toStrictEqual(PACKAGE_FIELDS);
    const cargos = await oms("/api/v1/oms/cargo_companies/");
    expect(keys(cargos.body)).toStrictEqual(PAGE_FIELDS);
    for (const company of cargos.body.results) expect(keys(company)).toStrictEqual(CARGO_COMPANY_FIELDS);
  });
});

describe("the simulator's command body", () => {
  it("takes transition_id, awb_number, query_number and cargo_company", async () => {
    const body = { transition_id: 41, awb_number: "DOC-1", query_number: "Q-DOC-1", cargo_company: 5 };
    const res = await oms("/api/v1/oms/packages/1001/command/", { method: "POST", body });
    expect(res).toStrictEqual({ status: 204, body: undefined });
    expect(h.sim.getPackage(1001)?.shipment).toStrictEqual({
      awb_number: "DOC-1",
      query_number: "Q-DOC-1",
      cargo_company: 5,
    });
  });

  it("names the missing fields by their documented names, not by the names a caller might guess", async () => {
    const body = { transitionId: 41, trackingNumber: "DOC-2", cargoCompanyId: 5, transition: 41, awb: "X" };
    const res = await oms("/api/v1/oms/packages/1001/command/", { method: "POST", body });
    expect(res.status).toBe(400);
    expect(res.body).toStrictEqual({
      error: {
        transition_id: ["This field is required."],
        awb_number: ["This field is required."],
        cargo_company: ["This field is required."],
      },
      status_code: 400,
    });
    expect(h.sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });
});

describe("the simulator's error bodies", () => {
  const command = (transition_id: number) => ({
    method: "POST",
    body: { transition_id, awb_number: "E-1", cargo_company: 1 },
  });

  it("406: error {code, message}", async () => {
    const res = await oms("/api/v1/oms/packages/1001/command/", command(99));
    expect(res.status).toBe(406);
    expect(keys(res.body)).toStrictEqual(["error"]);
    expect(keys(res.body.error)).toStrictEqual(["code", "message"]);
    expect(res.body.error.code).toBe("transition_not_found");
  });

  it("400 before Packed: error {non_field_errors}, status_code", async () => {
    const res = await oms("/api/v1/oms/packages/1005/command/", command(41));
    expect(res.status).toBe(400);
    expect(keys(res.body)).toStrictEqual(["error", "status_code"]);
    expect(keys(res.body.error)).toStrictEqual(["non_field_errors"]);
  });

  it("401 and 404: detail", async () => {
    const unauthorized = await oms("/api/v1/oms/packages/1001/", { token: "wrong" });
    expect(unauthorized).toStrictEqual({ status: 401, body: { detail: "Invalid token." } });
    const missing = await oms("/api/v1/oms/packages/9999/");
    expect(missing).toStrictEqual({ status: 404, body: { detail: "Not found." } });
  });
});

describe("the gateway's client, against the same documented names", () => {
  it("sends the command body with exactly transition_id, awb_number, query_number and cargo_company", async () => {
    const res = await h.gql(UpdateShipmentOnlyDocument, {
      input: { packageId: "1002", cargoCompanyId: "6", trackingNumber: "GW-1", queryNumber: "GW-Q-1" },
    });
    expect(res.body.data?.updatePackageShipment).toMatchObject({ __typename: "ShipmentUpdated" });
    expect(h.commands()[0]?.json).toStrictEqual({
      transition_id: 42,
      awb_number: "GW-1",
      query_number: "GW-Q-1",
      cargo_company: 6,
    });
  });
});
