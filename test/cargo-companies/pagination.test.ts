/**
 * The cargo company list over the OMS's DRF pagination: every next link is followed once and all
 * companies are returned, whatever form the links take.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

describe("DRF pagination of the OMS list", () => {
  const TOKEN = "demo-oms-token";
  const COMPANIES = 250;
  const PAGE_SIZE = 100;
  let server: http.Server;
  let origin: string;
  let seen: Array<{ url: string; authorization: string | undefined }> = [];
  let h: Harness | undefined;

  // An OMS of its own: the simulator caps pages at 100, so it cannot show a list longer than a page
  // with the page size the gateway asks for. Names run opposite to ids, so name order is visible.
  function company(id: number) {
    const rank = String(COMPANIES + 1 - id).padStart(3, "0");
    return { id, name: `Carrier ${rank}`, erp_code: `erp-${id}`, shipping_company: `ship-${id}` };
  }

  function listen(prefix: string): void {
    server.removeAllListeners("request");
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
      seen.push({ url: req.url ?? "", authorization: req.headers.authorization });
      const url = new URL(req.url ?? "/", origin);
      if (url.pathname !== `${prefix}/api/v2/carriers/` || req.headers.authorization !== `Token ${TOKEN}`) {
        res.writeHead(404, { "content-type": "application/json" }).end('{"detail": "Not found."}');
        return;
      }
      const page = Number(url.searchParams.get("page") ?? "1");
      const size = Number(url.searchParams.get("page_size"));
      const pages = Math.ceil(COMPANIES / size);
      const ids = Array.from({ length: COMPANIES }, (_, i) => i + 1).slice((page - 1) * size, page * size);
      const link = (n: number) => `${origin}${prefix}/api/v2/carriers/?page=${n}&page_size=${size}`;
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({
          count: COMPANIES,
          next: page < pages ? link(page + 1) : null,
          previous: page > 1 ? link(page - 1) : null,
          results: ids.map(company),
        }),
      );
    });
  }

  beforeAll(async () => {
    server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    seen = [];
  });
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it.each([
    ["at the origin", ""],
    ["under a base URL path prefix", "/tenant-a"],
  ])("follows every next link once, %s, and returns all 250 companies", async (_, prefix) => {
    listen(prefix);
    h = await startHarness({
      OMS_BASE_URL: `${origin}${prefix}`,
      OMS_API_TOKEN: TOKEN,
      OMS_CARGO_COMPANIES_PATH: "/api/v2/carriers/",
    });

    const res = await h.gql<{ cargoCompanies: Array<{ id: string; name: string }> }, never>(
      "{ cargoCompanies { id name } }",
    );

    expect(res.body.errors).toBeUndefined();
    const list = res.body.data?.cargoCompanies ?? [];
    expect(list).toHaveLength(COMPANIES);
    expect(list.map((c) => Number(c.id))).toEqual(Array.from({ length: COMPANIES }, (_, i) => COMPANIES - i));
    expect(list[0]).toEqual({ id: "250", name: "Carrier 001" });
    expect(list[249]).toEqual({ id: "1", name: "Carrier 250" });
    expect(seen).toEqual([
      { url: `${prefix}/api/v2/carriers/?page_size=${PAGE_SIZE}`, authorization: `Token ${TOKEN}` },
      { url: `${prefix}/api/v2/carriers/?page=2&page_size=${PAGE_SIZE}`, authorization: `Token ${TOKEN}` },
      { url: `${prefix}/api/v2/carriers/?page=3&page_size=${PAGE_SIZE}`, authorization: `Token ${TOKEN}` },
    ]);

    // One company resolved by id comes from the same cached list: no more pages are read.
    const one = await h.gql('{ cargoCompany(id: "125") { name } }');
    expect(one.body).toEqual({ data: { cargoCompany: { name: "Carrier 126" } } });
    expect(seen).toHaveLength(3);
  });
});
