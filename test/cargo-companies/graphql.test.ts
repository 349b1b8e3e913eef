/**
 * cargoCompanies and cargoCompany through /graphql: the demo companies ordered by name, search, and
 * lookups by id, with invalid input refused before any OMS call.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CARGO_LIST_PATH, DEMO_NAMES, listCalls, names, ONE, SEARCH } from "../helpers/cargo-companies.js";
import { type Harness, startHarness } from "../helpers/harness.js";

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
