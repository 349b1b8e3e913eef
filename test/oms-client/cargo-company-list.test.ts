/**
 * The OMS client's cargo company list: DRF pagination followed link by link, on the OMS's own origin
 * only, bounded in pages, and errors for answers that are not a list.
 */
import { afterEach, describe, expect, it } from "vitest";
import { cleanups, clientFor, fakeOms, jsonReply, Reply } from "../helpers/fake-oms.js";
import { rejection } from "../helpers/oms-error.js";

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("listCargoCompanies", () => {
  const PATH = "/api/v1/oms/cargo_companies/";

  it("follows next across pages and accepts pk for id", async () => {
    const oms = await fakeOms((req) => {
      if (req.url === `${PATH}?page_size=100`) {
        return jsonReply(200, {
          count: 6,
          next: `${oms.url}${PATH}?page=2&page_size=100`,
          previous: null,
          results: [
            { id: 1, name: "Yurtiçi Kargo", erp_code: "yurtici-kargo", shipping_company: "yurtici" },
            { pk: 2, name: "Aras Kargo", erp_code: "aras-kargo", shipping_company: "aras" },
          ],
        });
      }
      if (req.url === `${PATH}?page=2&page_size=100`) {
        return jsonReply(200, {
          count: 6,
          next: `${oms.url}${PATH}?page=3&page_size=100`,
          previous: `${oms.url}${PATH}?page_size=100`,
          results: [{ id: 3, name: "MNG Kargo" }, { id: "4", name: "No numeric id" }, { id: 5 }, null],
        });
      }
      if (req.url === `${PATH}?page=3&page_size=100`) {
        return jsonReply(200, {
          count: 6,
          next: null,
          previous: `${oms.url}${PATH}?page=2&page_size=100`,
          results: [{ pk: 6, name: "UPS", erp_code: null, shipping_company: "ups" }],
        });
      }
      return jsonReply(404, { detail: "Not found." });
    });
    expect(await clientFor(oms.url).listCargoCompanies()).toStrictEqual([
      { id: 1, name: "Yurtiçi Kargo", erpCode: "yurtici-kargo", shippingCompany: "yurtici" },
      { id: 2, name: "Aras Kargo", erpCode: "aras-kargo", shippingCompany: "aras" },
      { id: 3, name: "MNG Kargo", erpCode: null, shippingCompany: null },
      { id: 6, name: "UPS", erpCode: null, shippingCompany: "ups" },
    ]);
    expect(oms.requests.map((r) => r.url)).toEqual([
      `${PATH}?page_size=100`,
      `${PATH}?page=2&page_size=100`,
      `${PATH}?page=3&page_size=100`,
    ]);
    expect(oms.requests.every((r) => r.method === "GET" && r.headers.authorization === "Token tok-123")).toBe(
      true,
    );
  });

  it("keeps the base URL's path prefix when following next", async () => {
    const oms = await fakeOms((req) =>
      req.url === `/oms${PATH}?page_size=100`
        ? jsonReply(200, { next: `${oms.url}/oms${PATH}?page=2`, results: [{ id: 1, name: "A" }] })
        : jsonReply(200, { next: null, results: [{ id: 2, name: "B" }] }),
    );
    const companies = await clientFor(`${oms.url}/oms`).listCargoCompanies();
    expect(companies.map((c) => c.id)).toEqual([1, 2]);
    expect(oms.requests.map((r) => r.url)).toEqual([`/oms${PATH}?page_size=100`, `/oms${PATH}?page=2`]);
  });

  it("refuses a next link on another origin and sends nothing there", async () => {
    const elsewhere = await fakeOms(() => jsonReply(200, { next: null, results: [] }));
    const oms = await fakeOms(() =>
      jsonReply(200, { next: `${elsewhere.url}${PATH}?page=2`, results: [{ id: 1, name: "A" }] }),
    );
    const error = await rejection(clientFor(oms.url).listCargoCompanies());
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe("The OMS sent a malformed pagination link.");
    expect(oms.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    expect(elsewhere.connections).toBe(0);
  });

  it("refuses a next link that only changes the scheme", async () => {
    const oms = await fakeOms(() =>
      jsonReply(200, { next: `${oms.url.replace("http:", "https:")}${PATH}?page=2`, results: [] }),
    );
    expect((await rejection(clientFor(oms.url).listCargoCompanies())).code).toBe("OMS_UNAVAILABLE");
    expect(oms.requests).toHaveLength(1);
  });

  it("stops after 100 pages of an endless chain", async () => {
    const oms = await fakeOms((req) => {
      const page = Number(new URL(req.url, oms.url).searchParams.get("page") ?? "1");
      return jsonReply(200, {
        next: `${oms.url}${PATH}?page=${page + 1}`,
        results: [{ id: page, name: `Carrier ${page}` }],
      });
    });
    const companies = await clientFor(oms.url).listCargoCompanies();
    expect(oms.requests).toHaveLength(100);
    expect(companies).toHaveLength(100);
    expect(companies.at(-1)).toStrictEqual({
      id: 100,
      name: "Carrier 100",
      erpCode: null,
      shippingCompany: null,
    });
  });

  it.each([
    ["results that are not a list", jsonReply(200, { next: null, results: {} }), "OMS_UNAVAILABLE"],
    ["a page that is a list", jsonReply(200, [{ id: 1, name: "A" }]), "OMS_UNAVAILABLE"],
    ["a failing OMS", jsonReply(502, {}), "OMS_UNAVAILABLE"],
    ["refused credentials", jsonReply(403, {}), "OMS_UNAUTHORIZED"],
  ] as [string, Reply, string][])("throws for %s", async (_name, reply, code) => {
    const oms = await fakeOms(() => reply);
    expect((await rejection(clientFor(oms.url).listCargoCompanies())).code).toBe(code);
  });
});
