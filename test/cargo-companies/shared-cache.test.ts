/**
 * The shared cargo company cache through /graphql: TTL, single flight on a cold cache, serving the
 * last good list while refreshes fail, maximum staleness, and CARGO_COMPANIES_FILE instead of the OMS.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../src/config.js";
import { createLogger } from "../../src/logger.js";
import { createServer } from "../../src/server.js";
import { CARGO_LIST_PATH, DEMO_NAMES, listCalls, names, ONE, SEARCH } from "../helpers/cargo-companies.js";
import { type Harness, startHarness } from "../helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const LIST = "{ cargoCompanies { name } }";

// Comfortably past a 1 s TTL or staleness bound, measured by the gateway's own clock.
/** Moves the date the catalogue ages its list by, which stands still otherwise. */
const aSecondLater = () => vi.setSystemTime(Date.now() + 1_000);

function warnings(h: Harness): Array<Record<string, unknown>> {
  return h.logs.filter((line) => line.level === "warn");
}

// ---------------------------------------------------------------------------------------------

describe("the shared cache", () => {
  let h: Harness | undefined;

  afterEach(async () => {
    await h?.close();
    h = undefined;
    vi.useRealTimers();
  });

  async function start(env: Record<string, string>, simulator = {}): Promise<Harness> {
    // Only the date is fake, and set before the catalogue reads it first: a TTL passes when the test
    // says so, not when a busy machine happens to take long enough.
    vi.useFakeTimers({ toFake: ["Date"] });
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

    aSecondLater();
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

    aSecondLater();
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
    expect(stale[0]?.ageMs).toBe(1_000);
    expect(stale[0]?.err).toMatchObject({ message: "The OMS answered with an unexpected status (500)." });
    expect(JSON.stringify(stale[0])).not.toContain(h.sim.token);
  });

  it("with CARGO_COMPANIES_MAX_STALE_SECONDS=1 a list older than that is not served: OMS_UNAVAILABLE", async () => {
    const h = await start({ CARGO_COMPANIES_TTL_SECONDS: "1", CARGO_COMPANIES_MAX_STALE_SECONDS: "1" });
    expect(names(await h.gql(LIST))).toEqual(DEMO_NAMES);
    h.sim.injectFault({ path: CARGO_LIST_PATH, fault: { kind: "status", status: 500 } });

    aSecondLater();
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
