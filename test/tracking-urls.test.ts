/**
 * Tracking links through the real server on the simulator: `Shipment.trackingUrl` from the carrier's
 * default template (by `shipping_company` code), from CARRIER_TRACKING_URLS by code and by cargo
 * company id, and null for a carrier with no template; the number URL-encoded; and what it costs at
 * the OMS (the shared cargo company catalogue, never a read per package).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_TRACKING_URL_TEMPLATES } from "../src/domain/tracking-urls.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const PACKAGE_LINK = `query Link($id: ID!) {
  package(id: $id) { id shipment { trackingNumber trackingUrl cargoCompany { id shippingCompany trackingUrlTemplate } } }
}`;

const CARRIERS = "{ cargoCompanies { id shippingCompany trackingUrlTemplate } }";

const UPDATE = `mutation Update($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber trackingUrl } }
    ... on MutationError { message }
  }
}`;

interface LinkData {
  package: {
    id: string;
    shipment: {
      trackingNumber: string | null;
      trackingUrl: string | null;
      cargoCompany: { id: string; shippingCompany: string | null; trackingUrlTemplate: string | null } | null;
    } | null;
  } | null;
}

// Private: the harness's gql with plain string documents and loosely typed variables.
function gql<T>(h: Harness, document: string, variables?: Record<string, unknown>) {
  return h.gql<T, Record<string, unknown> | undefined>(document, variables);
}

async function linkOf(h: Harness, id: string) {
  const res = await gql<LinkData>(h, PACKAGE_LINK, { id });
  expect(res.body.errors).toBeUndefined();
  return res.body.data?.package?.shipment;
}

/**
 * The simulator's /api requests: cargo company list reads, and whether anything but those and the
 * package reads (however those are batched) was asked.
 */
function omsReads(h: Harness) {
  const paths = h.sim.requests.map((r) => r.path.split("?")[0] ?? "");
  const cargoCompanies = paths.filter((p) => p === "/api/v1/oms/cargo_companies/").length;
  const packageReads = paths.filter((p) => p.startsWith("/api/v1/oms/packages/")).length;
  return { cargoCompanies, other: paths.length - cargoCompanies - packageReads, packageReads };
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe("default templates, by the cargo company's shipping_company code", () => {
  it("package 1001 (Yurtiçi, yurtici) links to Yurtiçi's tracking page with its number", async () => {
    h = await startHarness();

    const shipment = await linkOf(h, "1001");

    expect(shipment).toStrictEqual({
      trackingNumber: "YK1001",
      trackingUrl: "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=YK1001",
      cargoCompany: {
        id: "1",
        shippingCompany: "yurtici",
        trackingUrlTemplate:
          "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={trackingNumber}",
      },
    });
  });

  it("every demo cargo company has its default template, shown in cargoCompanies", async () => {
    h = await startHarness();

    const res = await gql<{
      cargoCompanies: Array<{ id: string; shippingCompany: string; trackingUrlTemplate: string | null }>;
    }>(h, CARRIERS);

    const companies = res.body.data?.cargoCompanies ?? [];
    expect(companies).toHaveLength(8);
    for (const company of companies) {
      expect(company.trackingUrlTemplate).toBe(DEFAULT_TRACKING_URL_TEMPLATES.get(company.shippingCompany));
      expect(company.trackingUrlTemplate).toContain("{trackingNumber}");
    }
  });

  it("encodes the number as one URL component: spaces, /, &, #, + and Turkish letters", async () => {
    h = await startHarness();
    const trackingNumber = "AR 12/34&x=1#ğüşİ+";

    const res = await gql<{
      updatePackageShipment: {
        __typename: string;
        shipment?: { trackingNumber: string; trackingUrl: string };
      };
    }>(h, UPDATE, { input: { packageId: "1001", cargoCompanyId: "2", trackingNumber } });

    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: {
        trackingNumber,
        trackingUrl:
          "http://kargotakip.araskargo.com.tr/mainpage.aspx?code=AR%2012%2F34%26x%3D1%23%C4%9F%C3%BC%C5%9F%C4%B0%2B",
      },
    });
    // The number round-trips: a browser opening the link hands the carrier exactly this number.
    const url = new URL(res.body.data?.updatePackageShipment.shipment?.trackingUrl ?? "");
    expect(url.searchParams.get("code")).toBe(trackingNumber);
    expect([...url.searchParams.keys()]).toStrictEqual(["code"]);
    expect(url.hash).toBe("");
    // The OMS got the number as typed; only the link is encoded.
    expect(h.commands().map((r) => r.json)).toStrictEqual([
      { transition_id: 41, awb_number: trackingNumber, cargo_company: 2 },
    ]);
  });

  it("a number in a path segment stays one segment (HepsiJET)", async () => {
    h = await startHarness();

    const res = await gql<{ updatePackageShipment: { shipment?: { trackingUrl: string } } }>(h, UPDATE, {
      input: { packageId: "1001", cargoCompanyId: "8", trackingNumber: "../HJ 1" },
    });

    expect(res.body.data?.updatePackageShipment.shipment?.trackingUrl).toBe(
      "https://www.hepsijet.com/gonderi-takibi/..%2FHJ%201",
    );
  });
});

describe("CARRIER_TRACKING_URLS", () => {
  it("overrides a default by code and adds one for a cargo company by id, which wins over its code", async () => {
    h = await startHarness({
      CARRIER_TRACKING_URLS: [
        "ARAS=https://track.example.com/aras?awb={trackingNumber}&lang=tr",
        "id:3=https://track.example.com/company-3/{trackingNumber}",
        "mng=https://track.example.com/mng/{trackingNumber}",
      ].join(";"),
    });

    expect(await linkOf(h, "1002")).toMatchObject({
      trackingUrl: "https://track.example.com/aras?awb=AR1002&lang=tr",
      cargoCompany: { trackingUrlTemplate: "https://track.example.com/aras?awb={trackingNumber}&lang=tr" },
    });
    expect(await linkOf(h, "1003")).toMatchObject({
      trackingUrl: "https://track.example.com/company-3/MN1003",
      cargoCompany: { trackingUrlTemplate: "https://track.example.com/company-3/{trackingNumber}" },
    });
    // Untouched carriers keep their defaults.
    expect((await linkOf(h, "1001"))?.trackingUrl).toBe(
      "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=YK1001",
    );
  });
});

describe("a carrier with no template", () => {
  const dir = mkdtempSync(join(tmpdir(), "oms-graph-tracking-"));
  const file = join(dir, "cargo.json");

  beforeAll(() => {
    // The catalogue names companies 2 and 3 differently from the simulator: an unknown code and none.
    writeFileSync(
      file,
      JSON.stringify([
        { id: 1, name: "Yurtiçi Kargo", erp_code: "yurtici-kargo", shipping_company: "yurtici" },
        { id: 2, name: "Sendeo", erp_code: "sendeo", shipping_company: "sendeo" },
        { id: 3, name: "Own fleet", erp_code: "fleet", shipping_company: null },
      ]),
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("has trackingUrl and trackingUrlTemplate null, and the shipment is still answered", async () => {
    h = await startHarness({ CARGO_COMPANIES_FILE: file });

    expect(await linkOf(h, "1002")).toStrictEqual({
      trackingNumber: "AR1002",
      trackingUrl: null,
      cargoCompany: { id: "2", shippingCompany: "sendeo", trackingUrlTemplate: null },
    });
    expect(await linkOf(h, "1003")).toMatchObject({ trackingUrl: null, cargoCompany: { id: "3" } });
  });

  it("gets one when configured for its code or its id", async () => {
    h = await startHarness({
      CARGO_COMPANIES_FILE: file,
      CARRIER_TRACKING_URLS:
        "sendeo=https://sendeo.example.com/t/{trackingNumber};id:3=https://fleet.example.com/?n={trackingNumber}",
    });

    expect((await linkOf(h, "1002"))?.trackingUrl).toBe("https://sendeo.example.com/t/AR1002");
    expect((await linkOf(h, "1003"))?.trackingUrl).toBe("https://fleet.example.com/?n=MN1003");
  });
});

describe("what tracking links cost at the OMS", () => {
  const MANY = `{
    a: package(id: "1001") { shipment { trackingUrl } }
    b: package(id: "1002") { shipment { trackingUrl } }
    c: package(id: "1003") { shipment { trackingUrl } }
    d: package(id: "1004") { shipment { trackingUrl } }
    e: package(id: "1007") { shipment { trackingUrl } }
  }`;

  it("five packages: one cargo company list read for all of them, then none once cached", async () => {
    h = await startHarness();

    const first = await gql<Record<string, { shipment: { trackingUrl: string } }>>(h, MANY);
    expect(Object.values(first.body.data ?? {}).map((p) => p.shipment.trackingUrl)).toStrictEqual([
      "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=YK1001",
      "http://kargotakip.araskargo.com.tr/mainpage.aspx?code=AR1002",
      "https://kargotakip.dhlecommerce.com.tr/?takipNo=MN1003",
      "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code=YK1004",
      "http://kargotakip.araskargo.com.tr/mainpage.aspx?code=AR1007",
    ]);
    expect(omsReads(h)).toMatchObject({ cargoCompanies: 1, other: 0 });
    expect(omsReads(h).packageReads).toBeGreaterThan(0);

    h.sim.reset();
    await gql(h, MANY);
    expect(omsReads(h)).toMatchObject({ cargoCompanies: 0, other: 0 });
  });

  it("templates configured by id need no cargo company read at all", async () => {
    h = await startHarness({
      CARRIER_TRACKING_URLS:
        "id:1=https://t.example.com/1/{trackingNumber};id:2=https://t.example.com/2/{trackingNumber};id:3=https://t.example.com/3/{trackingNumber}",
    });

    const res = await gql<Record<string, { shipment: { trackingUrl: string } }>>(h, MANY);

    expect(res.body.data?.c?.shipment.trackingUrl).toBe("https://t.example.com/3/MN1003");
    expect(omsReads(h)).toMatchObject({ cargoCompanies: 0, other: 0 });
  });
});
