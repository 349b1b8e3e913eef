/**
 * The cargo company catalogue: the queries through /graphql, the OMS list with DRF pagination, the
 * shared cache (TTL, single flight, stale serving, maximum staleness), the static file, and the
 * catalogue's own rules with a controlled clock.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../src/config.js";
import {
  CargoCompanyCatalogue,
  foldForSearch,
  searchCargoCompanies,
} from "../src/domain/cargo-company-catalogue.js";
import type { CargoCompanyRecord } from "../src/domain/ports.js";
import { createLogger } from "../src/logger.js";
import { createServer } from "../src/server.js";
import { type Harness, startHarness } from "./helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const CARGO_LIST_PATH = "/api/v1/oms/cargo_companies/";

/** The demo companies in name order, as the contract lists them. */
const DEMO_NAMES = [
  "Aras Kargo",
  "DHL Express",
  "HepsiJET",
  "MNG Kargo",
  "PTT Kargo",
  "Sürat Kargo",
  "UPS",
  "Yurtiçi Kargo",
];

const LIST = "{ cargoCompanies { name } }";
const SEARCH = "query ($search: String) { cargoCompanies(filter: { search: $search }) { name } }";
const ONE = "query ($id: ID!) { cargoCompany(id: $id) { id name erpCode shippingCompany } }";

type Names = { cargoCompanies: Array<{ name: string }> };

function names(res: { body: { data?: unknown } }): string[] {
  return ((res.body.data as Names | null)?.cargoCompanies ?? []).map((company) => company.name);
}

function listCalls(h: Harness): number {
  return h.sim.requests.filter((r) => r.path === CARGO_LIST_PATH).length;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
// Comfortably past a 1 s TTL or staleness bound, measured by the gateway's own clock.
const PAST_ONE_SECOND = 1_150;

function warnings(h: Harness): Array<Record<string, unknown>> {
  return h.logs.filter((line) => line.level === "warn");
}

// ---------------------------------------------------------------------------------------------

describe("cargoCompanies and cargoCompany through /graphql", () => {
  let h: Harness;

  // No caching, so every test sees exactly the list reads its own request caused.
  beforeAll(async () => {
    h = await startHarness({ CARGO_COMPANIES_TTL_SECONDS: "0" });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  it("lists the eight demo companies ordered by name, with one list read", async () => {
    const res = await h.gql("{ cargoCompanies { id name erpCode shippingCompany } }");

    expect(res.status).toBe(200);
    const list = (res.body.data as { cargoCompanies: Array<Record<string, string>> }).cargoCompanies;
    expect(list.map((company) => company.name)).toEqual(DEMO_NAMES);
    expect(list[0]).toEqual({ id: "2", name: "Aras Kargo", erpCode: "aras-kargo", shippingCompany: "aras" });
    expect(list[7]).toEqual({
      id: "1",
      name: "Yurtiçi Kargo",
      erpCode: "yurtici-kargo",
      shippingCompany: "yurtici",
    });
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      `GET ${CARGO_LIST_PATH}?page_size=100`,
    ]);
  });

  it.each([
    ["surat (accent-insensitive name)", "surat", ["Sürat Kargo"]],
    ["YURTICI (case and ç)", "YURTICI", ["Yurtiçi Kargo"]],
    ["dhl (shipping company code)", "dhl", ["DHL Express"]],
    ["aras-kargo (ERP code)", "aras-kargo", ["Aras Kargo"]],
    ["kargo (several)", "kargo", ["Aras Kargo", "MNG Kargo", "PTT Kargo", "Sürat Kargo", "Yurtiçi Kargo"]],
    ["padded SÜRAT", "  SÜRAT  ", ["Sürat Kargo"]],
    ["empty", "", DEMO_NAMES],
    ["whitespace", "  \t ", DEMO_NAMES],
    ["no match", "fedex", []],
  ])("search %s", async (_, search, expected) => {
    const res = await h.gql(SEARCH, { search });

    expect(res.body.errors).toBeUndefined();
    expect(names(res)).toEqual(expected);
    expect(listCalls(h)).toBe(1);
  });

  it("a null search returns everything", async () => {
    const res = await h.gql(SEARCH, { search: null });

    expect(names(res)).toEqual(DEMO_NAMES);
  });

  it("a search of 100 characters is accepted", async () => {
    const res = await h.gql(SEARCH, { search: "k".repeat(100) });

    expect(res.body).toEqual({ data: { cargoCompanies: [] } });
  });

  it("a search over 100 characters is BAD_USER_INPUT, without an OMS call", async () => {
    const res = await h.gql(SEARCH, { search: "k".repeat(101) });

    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "filter.search must be at most 100 characters.",
      extensions: { code: "BAD_USER_INPUT", argumentName: "filter" },
    });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("cargoCompany(id) finds a listed company", async () => {
    const res = await h.gql(ONE, { id: "5" });

    expect(res.body).toEqual({
      data: {
        cargoCompany: { id: "5", name: "Sürat Kargo", erpCode: "surat-kargo", shippingCompany: "surat" },
      },
    });
    expect(listCalls(h)).toBe(1);
  });

  it("cargoCompany(id) of a company the OMS does not list is null", async () => {
    const res = await h.gql(ONE, { id: "99" });

    expect(res.body).toEqual({ data: { cargoCompany: null } });
    expect(listCalls(h)).toBe(1);
  });

  it.each(["../1", "0", "1e3", "007", "-1", ""])(
    "cargoCompany(id: %j) is BAD_USER_INPUT, without an OMS call",
    async (id) => {
      const res = await h.gql(ONE, { id });

      // The field is nullable, so the error nulls only the field.
      expect(res.body.data).toEqual({ cargoCompany: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "id" });
      expect(res.body.errors?.[0]?.message).toBe(
        `A cargo company id is a positive integer, got ${JSON.stringify(id)}.`,
      );
      expect(h.sim.requests).toHaveLength(0);
    },
  );
});

// ---------------------------------------------------------------------------------------------

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

// ---------------------------------------------------------------------------------------------

describe("the shared cache", () => {
  let h: Harness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  async function start(env: Record<string, string>, simulator = {}): Promise<Harness> {
    h = await startHarness(env, simulator);
    h.sim.clearRequests();
    return h;
  }

  it("a second request, and every lookup by id, is answered without a list read", async () => {
    const h = await start({});

    const first = await h.gql(LIST);
    expect(names(first)).toEqual(DEMO_NAMES);
    expect(listCalls(h)).toBe(1);
    h.sim.clearRequests();

    const second = await h.gql(LIST);
    const byId = await h.gql(ONE, { id: "3" });
    const viaPackage = await h.gql('{ package(id: "1002") { shipment { cargoCompany { name } } } }');

    expect(names(second)).toEqual(DEMO_NAMES);
    expect(byId.body.data).toEqual({
      cargoCompany: { id: "3", name: "MNG Kargo", erpCode: "mng-kargo", shippingCompany: "mng" },
    });
    expect(viaPackage.body.data).toEqual({ package: { shipment: { cargoCompany: { name: "Aras Kargo" } } } });
    expect(listCalls(h)).toBe(0);
    expect(h.sim.requests.map((r) => r.path)).toEqual(["/api/v1/oms/packages/1002/"]);
  });

  it("with CARGO_COMPANIES_TTL_SECONDS=1 the list is read again once the TTL has passed", async () => {
    const h = await start({ CARGO_COMPANIES_TTL_SECONDS: "1" });

    await h.gql(LIST);
    expect(listCalls(h)).toBe(1);

    await sleep(PAST_ONE_SECOND);
    const after = await h.gql(LIST);
    const again = await h.gql(LIST);

    expect(names(after)).toEqual(DEMO_NAMES);
    expect(names(again)).toEqual(DEMO_NAMES);
    // The request after the TTL refreshes; the one right behind it uses the refreshed list.
    expect(listCalls(h)).toBe(2);
  });

  it("20 concurrent requests on a cold cache cause exactly one list read", async () => {
    const h = await start({});
    // Holds the one read open so that every request arrives while it is still in flight.
    h.sim.injectFault({ path: CARGO_LIST_PATH, times: 1, fault: { kind: "latency", ms: 300 } });

    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 === 0 ? h.gql(LIST) : h.gql(ONE, { id: String((i % 8) + 1) }),
      ),
    );

    for (const [i, res] of results.entries()) {
      expect(res.body.errors).toBeUndefined();
      if (i % 2 === 0) expect(names(res)).toEqual(DEMO_NAMES);
      else
        expect((res.body.data as { cargoCompany: { id: string } }).cargoCompany.id).toBe(String((i % 8) + 1));
    }
    expect(listCalls(h)).toBe(1);
  });

  it("a failed refresh keeps serving the last good list and logs a warning", async () => {
    const h = await start({ CARGO_COMPANIES_TTL_SECONDS: "1" });
    expect(names(await h.gql(LIST))).toEqual(DEMO_NAMES);
    h.sim.injectFault({
      path: CARGO_LIST_PATH,
      fault: { kind: "status", status: 500, body: '{"detail":"boom"}' },
    });
    h.sim.clearRequests();

    await sleep(PAST_ONE_SECOND);
    const res = await h.gql(LIST);

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(names(res)).toEqual(DEMO_NAMES);
    // The refresh was attempted (and failed) rather than skipped.
    expect(listCalls(h)).toBe(1);
    const stale = warnings(h).filter(
      (line) => line.msg === "cargo company refresh failed; serving the last good list",
    );
    expect(stale).toHaveLength(1);
    expect(stale[0]?.ageMs).toBeGreaterThanOrEqual(1_000);
    expect(stale[0]?.err).toMatchObject({ message: "The OMS answered with an unexpected status (500)." });
    expect(JSON.stringify(stale[0])).not.toContain(h.sim.token);
  });

  it("with CARGO_COMPANIES_MAX_STALE_SECONDS=1 a list older than that is not served: OMS_UNAVAILABLE", async () => {
    const h = await start({ CARGO_COMPANIES_TTL_SECONDS: "1", CARGO_COMPANIES_MAX_STALE_SECONDS: "1" });
    expect(names(await h.gql(LIST))).toEqual(DEMO_NAMES);
    h.sim.injectFault({ path: CARGO_LIST_PATH, fault: { kind: "status", status: 500 } });

    await sleep(PAST_ONE_SECOND);
    const res = await h.gql(LIST);

    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([
      {
        message: "The OMS answered with an unexpected status (500).",
        locations: [{ line: 1, column: 3 }],
        path: ["cargoCompanies"],
        extensions: { code: "OMS_UNAVAILABLE" },
      },
    ]);
    expect(warnings(h).filter((line) => String(line.msg).startsWith("cargo company refresh failed"))).toEqual(
      [],
    );

    // Once the OMS answers again the list is back.
    h.sim.clearFaults();
    h.sim.clearRequests();
    expect(names(await h.gql(LIST))).toEqual(DEMO_NAMES);
    expect(listCalls(h)).toBe(1);
  });

  describe("CARGO_COMPANIES_FILE", () => {
    let dir: string;

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "oms-graph-cargo-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    const FILE_COMPANIES = [
      { id: 1, name: "Yurtiçi Kargo (file)", erp_code: "YK-ERP", shipping_company: "yurtici" },
      { pk: 2, name: "Aras Kargo (file)", erp_code: null, shipping_company: "aras" },
      { id: 40, name: "Kolay Gelsin", erp_code: "KG", shipping_company: null },
    ];

    it.each([
      ["a JSON array", FILE_COMPANIES],
      ["a DRF page", { count: 3, next: null, previous: null, results: FILE_COMPANIES }],
    ])("serves the companies of %s with no OMS list read", async (kind, content) => {
      const file = join(dir, `cargo-${kind.replace(/\W+/g, "-")}.json`);
      writeFileSync(file, JSON.stringify(content));
      const h = await start({ CARGO_COMPANIES_FILE: file });

      const list = await h.gql("{ cargoCompanies { id name erpCode shippingCompany } }");
      const search = await h.gql(SEARCH, { search: "kolay" });
      const viaPackage = await h.gql('{ package(id: "1001") { shipment { cargoCompany { id name } } } }');
      const unknown = await h.gql(ONE, { id: "5" });

      expect(list.body).toEqual({
        data: {
          cargoCompanies: [
            { id: "2", name: "Aras Kargo (file)", erpCode: null, shippingCompany: "aras" },
            { id: "40", name: "Kolay Gelsin", erpCode: "KG", shippingCompany: null },
            { id: "1", name: "Yurtiçi Kargo (file)", erpCode: "YK-ERP", shippingCompany: "yurtici" },
          ],
        },
      });
      expect(names(search)).toEqual(["Kolay Gelsin"]);
      expect(viaPackage.body.data).toEqual({
        package: { shipment: { cargoCompany: { id: "1", name: "Yurtiçi Kargo (file)" } } },
      });
      // The file is the whole catalogue: a company only the OMS knows is not there.
      expect(unknown.body.data).toEqual({ cargoCompany: null });
      expect(listCalls(h)).toBe(0);
      expect(h.sim.requests.map((r) => r.path)).toEqual(["/api/v1/oms/packages/1001/"]);
    });

    it.each([
      ["a missing file", null, "is not readable JSON"],
      ["a file that is not JSON", "[{ id: 1 }", "is not readable JSON"],
      ["an object without results", '{"companies": []}', "must hold an array of cargo companies."],
      [
        "an item without a name",
        '[{"id": 1, "name": "A"}, {"id": 2}]',
        "item 1 needs an integer id and a name.",
      ],
      ["an item with a string id", '[{"id": "1", "name": "A"}]', "item 0 needs an integer id and a name."],
    ])("%s stops createServer with a message naming the file", async (kind, content, problem) => {
      const file = join(dir, `invalid-${kind.replace(/\W+/g, "-")}.json`);
      if (content !== null) writeFileSync(file, content);
      const config = loadConfig({
        // Nothing is contacted: the file is read before anything starts.
        OMS_BASE_URL: "http://127.0.0.1:9",
        OMS_API_TOKEN: "unused",
        CARGO_COMPANIES_FILE: file,
      });

      const started = createServer(config, { log: createLogger("silent") });

      await expect(started).rejects.toThrow(`CARGO_COMPANIES_FILE ${file}`);
      await expect(started).rejects.toThrow(problem);
    });
  });
});

// ---------------------------------------------------------------------------------------------

describe("CargoCompanyCatalogue", () => {
  const company = (id: number, name: string): CargoCompanyRecord => ({
    id,
    name,
    erpCode: null,
    shippingCompany: null,
  });
  const A = [company(1, "Yurtiçi Kargo"), company(2, "Aras Kargo")];
  const B = [company(3, "MNG Kargo")];

  function deferred<T>() {
    let resolve!: (value: T) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  function setup(options: { ttlMs?: number; maxStaleMs?: number } = {}) {
    const clock = { now: 10_000 };
    const load = vi.fn<() => Promise<CargoCompanyRecord[]>>(async () => A);
    const onStaleServed = vi.fn();
    const catalogue = new CargoCompanyCatalogue(load, {
      ttlMs: options.ttlMs ?? 1_000,
      maxStaleMs: options.maxStaleMs ?? 5_000,
      now: () => clock.now,
      onStaleServed,
    });
    return { clock, load, onStaleServed, catalogue };
  }

  it("is not fresh before the first load", () => {
    const { catalogue, load } = setup();

    expect(catalogue.fresh).toBe(false);
    expect(load).not.toHaveBeenCalled();
  });

  it("serves from memory until the TTL has fully passed, then loads again", async () => {
    const { catalogue, load, clock } = setup({ ttlMs: 1_000 });

    await catalogue.get();
    expect(catalogue.fresh).toBe(true);
    clock.now += 999;
    expect(catalogue.fresh).toBe(true);
    await catalogue.get();
    expect(load).toHaveBeenCalledTimes(1);

    clock.now += 1;
    expect(catalogue.fresh).toBe(false);
    load.mockResolvedValueOnce(B);
    const entry = await catalogue.get();

    expect(load).toHaveBeenCalledTimes(2);
    expect(entry.list.map((c) => c.name)).toEqual(["MNG Kargo"]);
    // The TTL counts from the new load.
    clock.now += 999;
    await catalogue.get();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("with a TTL of 0 every get loads", async () => {
    const { catalogue, load } = setup({ ttlMs: 0 });

    await catalogue.get();
    await catalogue.get();

    expect(load).toHaveBeenCalledTimes(2);
  });

  it("passes the call options of the request that triggered the load", async () => {
    const { catalogue, load } = setup();
    const options = { onCall: () => {} };

    await catalogue.get(options);

    expect(load).toHaveBeenCalledWith(options);
  });

  it("single flight: concurrent misses share one load", async () => {
    const { catalogue, load } = setup();
    const pending = deferred<CargoCompanyRecord[]>();
    load.mockReturnValueOnce(pending.promise);

    const gets = Array.from({ length: 5 }, () => catalogue.get());
    expect(load).toHaveBeenCalledTimes(1);
    pending.resolve(A);
    const entries = await Promise.all(gets);

    expect(load).toHaveBeenCalledTimes(1);
    for (const entry of entries) expect(entry).toBe(entries[0]);
    expect(entries[0]?.list.map((c) => c.id)).toEqual([2, 1]);
  });

  it("single flight: a failing load fails every waiter once, and the next get tries again", async () => {
    const { catalogue, load, onStaleServed } = setup();
    const pending = deferred<CargoCompanyRecord[]>();
    load.mockReturnValueOnce(pending.promise);
    const error = new Error("OMS down");

    const gets = Array.from({ length: 3 }, () => catalogue.get());
    pending.reject(error);
    const settled = await Promise.allSettled(gets);

    expect(settled).toEqual(Array.from({ length: 3 }, () => ({ status: "rejected", reason: error })));
    expect(load).toHaveBeenCalledTimes(1);
    // Nothing stale to serve on a cold cache.
    expect(onStaleServed).not.toHaveBeenCalled();

    await expect(catalogue.get()).resolves.toMatchObject({ list: [{ id: 2 }, { id: 1 }] });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it("serves the last good list while refreshes fail, telling the callback the error and the age", async () => {
    const { catalogue, load, clock, onStaleServed } = setup({ ttlMs: 1_000, maxStaleMs: 5_000 });
    const first = await catalogue.get();
    const error = new Error("OMS down");
    load.mockRejectedValue(error);

    clock.now += 1_500;
    const stale = await catalogue.get();

    expect(stale).toBe(first);
    expect(onStaleServed).toHaveBeenCalledTimes(1);
    expect(onStaleServed).toHaveBeenCalledWith(error, 1_500);

    // The last moment before the bound still serves the old list.
    clock.now += 3_499;
    await expect(catalogue.get()).resolves.toBe(first);
    expect(onStaleServed).toHaveBeenLastCalledWith(error, 4_999);
    expect(load).toHaveBeenCalledTimes(3);
  });

  it("refuses a list as old as maxStaleMs: the refresh error is thrown", async () => {
    const { catalogue, load, clock, onStaleServed } = setup({ ttlMs: 1_000, maxStaleMs: 5_000 });
    await catalogue.get();
    const error = new Error("OMS down");
    load.mockRejectedValue(error);

    clock.now += 5_000;

    await expect(catalogue.get()).rejects.toBe(error);
    expect(onStaleServed).not.toHaveBeenCalled();
  });

  it("a successful refresh after failures replaces the list and restarts the age", async () => {
    const { catalogue, load, clock, onStaleServed } = setup({ ttlMs: 1_000, maxStaleMs: 5_000 });
    await catalogue.get();
    load.mockRejectedValueOnce(new Error("OMS down"));
    clock.now += 4_000;
    await catalogue.get();
    expect(onStaleServed).toHaveBeenCalledTimes(1);

    load.mockResolvedValueOnce(B);
    clock.now += 500;
    const entry = await catalogue.get();
    expect(entry.list.map((c) => c.name)).toEqual(["MNG Kargo"]);

    // 4.5 s after the first load but only just after the new one: a failure now serves B as stale.
    load.mockRejectedValueOnce(new Error("OMS down again"));
    clock.now += 1_000;
    await expect(catalogue.get()).resolves.toBe(entry);
    expect(onStaleServed).toHaveBeenLastCalledWith(expect.any(Error), 1_000);
  });

  it("sorts by name in Turkish alphabetical order, ties by id, and indexes by id", async () => {
    const names = [
      "Ümit Kargo",
      "Uçar Kargo",
      "Öz Kargo",
      "Ozan Kargo",
      "Şahin Kargo",
      "Sürat Kargo",
      "İnci Kargo",
      "Ilgaz Kargo",
      "Çiçek Kargo",
      "Cem Lojistik",
      "ups",
      "UPS",
    ];
    const load = async () => names.map((name, index) => company(20 - index, name));
    const catalogue = new CargoCompanyCatalogue(load, { ttlMs: 1_000, maxStaleMs: 1_000 });

    const { list, byId } = await catalogue.get();

    expect(list.map((c) => c.name)).toEqual([
      "Cem Lojistik",
      "Çiçek Kargo",
      "Ilgaz Kargo",
      "İnci Kargo",
      "Ozan Kargo",
      "Öz Kargo",
      "Sürat Kargo",
      "Şahin Kargo",
      "Uçar Kargo",
      // Equal ignoring case: the lower id first.
      "UPS",
      "ups",
      // Ü is a letter of its own after U, not an accented U.
      "Ümit Kargo",
    ]);
    expect(list.slice(9, 11).map((c) => c.id)).toEqual([9, 10]);
    expect(byId.size).toBe(names.length);
    expect(byId.get(20)?.name).toBe("Ümit Kargo");
    expect(byId.get(99)).toBeUndefined();
  });
});

describe("foldForSearch and searchCargoCompanies", () => {
  it.each([
    ["İSTANBUL", "istanbul"],
    ["ISTANBUL", "istanbul"],
    ["ıstanbul", "istanbul"],
    ["ığüşöç", "igusoc"],
    ["IĞÜŞÖÇ", "igusoc"],
    ["Yurtiçi Kargo", "yurtici kargo"],
    ["Sürat", "surat"],
    ["aras-kargo", "aras-kargo"],
    ["", ""],
  ])("foldForSearch(%j) = %j", (text, folded) => {
    expect(foldForSearch(text)).toBe(folded);
  });

  const list: CargoCompanyRecord[] = [
    { id: 1, name: "İstanbul Kurye", erpCode: "IST-01", shippingCompany: null },
    { id: 2, name: "Iğdır Lojistik", erpCode: null, shippingCompany: "igdir" },
    { id: 3, name: "Sürat Kargo", erpCode: "surat-kargo", shippingCompany: "surat" },
  ];

  it.each([
    ["istanbul", [1]],
    ["ISTANBUL", [1]],
    ["ıstanbul", [1]],
    ["IĞDIR", [2]],
    ["ist-01", [1]],
    ["SURAT", [3]],
    ["  ", [1, 2, 3]],
    ["kurye kargo", []],
  ])("searchCargoCompanies(%j)", (search, ids) => {
    expect(searchCargoCompanies(list, search).map((c) => c.id)).toEqual(ids);
  });

  it("returns the list itself for no search", () => {
    expect(searchCargoCompanies(list, null)).toBe(list);
    expect(searchCargoCompanies(list, undefined)).toBe(list);
  });
});
