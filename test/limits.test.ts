/**
 * Document limits, checked before anything executes: each has a stable code, and a refused document
 * reaches no resolver and so no OMS call.
 */
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    MAX_TOKENS: "400",
    MAX_DEPTH: "3",
    MAX_ALIASES: "3",
    MAX_DIRECTIVES: "2",
    MAX_COST: "30",
  });
});
afterAll(() => h.close());

const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: cargoCompany(id: "1") { id }`).join(" ")} }`;

describe("document limits", () => {
  it.each([
    ["too many tokens", "MAX_TOKENS_EXCEEDED", `{ ${"__typename ".repeat(400)} }`],
    ["too deep", "MAX_DEPTH_EXCEEDED", '{ package(id: "1001") { shipment { cargoCompany { id } } } }'],
    ["too many aliases", "MAX_ALIASES_EXCEEDED", aliases(4)],
    [
      "too many directives",
      "MAX_DIRECTIVES_EXCEEDED",
      "{ __typename @skip(if: false) @include(if: true) @skip(if: false) }",
    ],
    [
      "too costly",
      "MAX_COST_EXCEEDED",
      `{ ${Array.from({ length: 3 }, (_, i) => `p${i}: package(id: "${1001 + i}") { id status shipment { trackingNumber queryNumber } }`).join(" ")} }`,
    ],
  ])("refuses a document with %s: HTTP 400, %s, no OMS call", async (_name, code, query) => {
    h.sim.clearRequests();
    const res = await h.post("/graphql", JSON.stringify({ query }));
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe(code);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("runs a document within every limit", async () => {
    const res = await h.post("/graphql", JSON.stringify({ query: aliases(3) }));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ a0: { id: "1" }, a1: { id: "1" }, a2: { id: "1" } });
  });

  it("keeps the defaults generous enough for a 50-package query", async () => {
    const defaults = await startHarness();
    try {
      const query = `{ ${Array.from({ length: 50 }, (_, i) => `p${i}: package(id: "${2000 + i}") { id status shipment { trackingNumber cargoCompany { name } } }`).join(" ")} }`;
      const res = await defaults.post("/graphql", JSON.stringify({ query }));
      expect(res.status).toBe(200);
      expect(res.body.errors).toBeUndefined();
    } finally {
      await defaults.close();
    }
  });
});

describe("documents refused before validation, and refused again from memory (default limits)", () => {
  let d: Harness;
  beforeAll(async () => {
    d = await startHarness();
  });
  afterAll(() => d.close());

  // Private: the document-check counters as /metrics shows them, e.g. {"limits refused": 1}.
  async function checks(): Promise<Record<string, number>> {
    const text = await (await request(`${d.url}/metrics`)).body.text();
    const counts: Record<string, number> = {};
    for (const [, check, result, n] of text.matchAll(
      /^oms_graph_document_checks_total\{check="(\w+)",result="(\w+)"\} (\d+)$/gm,
    )) {
      counts[`${check} ${result}`] = Number(n);
    }
    return counts;
  }

  // 9 KB, within the token limit: field merging would compare the 450 fields in pairs.
  const SAME_FIELD = `{${' package(id:"1"){id}'.repeat(450)}}`;

  it("refuses 450 fields of one name with 400 MAX_SELECTIONS_EXCEEDED, and a repeat from memory without any check", async () => {
    d.sim.clearRequests();
    const first = await d.post("/graphql", JSON.stringify({ query: SAME_FIELD }));
    expect(first.status).toBe(400);
    expect(first.body).toEqual({
      errors: [
        {
          message: "One selection set of the document holds 450 fields; at most 128 are allowed.",
          extensions: { code: "MAX_SELECTIONS_EXCEEDED" },
        },
      ],
    });
    expect(await checks()).toEqual({ "limits refused": 1 });

    const again = await d.post("/graphql", JSON.stringify({ query: SAME_FIELD }));
    expect(again.status).toBe(400);
    expect(again.text).toBe(first.text);
    // Neither the limits nor Apollo's validation ran again.
    expect(await checks()).toEqual({ "limits refused": 1, "cache refused": 1 });
    expect(d.sim.requests).toHaveLength(0);
  });

  it("refuses a document selecting more than MAX_FIELDS fields with 400 MAX_FIELDS_EXCEEDED", async () => {
    const query = `{ ${Array.from({ length: 100 }, (_, i) => `p${i}: package(id: "${2000 + i}") { id status shipment { trackingNumber queryNumber cargoCompany { id name erpCode shippingCompany } } }`).join(" ")} }`;
    const res = await d.post("/graphql", JSON.stringify({ query }));
    expect(res.status).toBe(400);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("MAX_FIELDS_EXCEEDED");
    expect(res.body.errors?.[0]?.message).toBe("The document selects 1100 fields; at most 1000 are allowed.");
  });

  it("keeps Apollo's validation refusal of a document and gives it again without validating", async () => {
    const before = await checks();
    const query = `{ ${"nope ".repeat(100)}}`;
    const first = await d.post("/graphql", JSON.stringify({ query }));
    const again = await d.post("/graphql", JSON.stringify({ query }));

    expect(first.status).toBe(400);
    expect(first.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(again.status).toBe(400);
    expect(again.body).toEqual(first.body);
    const after = await checks();
    expect(after["validation refused"] ?? 0).toBe((before["validation refused"] ?? 0) + 1);
    expect(after["cache refused"]).toBe((before["cache refused"] ?? 0) + 1);
  });

  it("still runs a valid document after checking it once", async () => {
    const query = '{ package(id: "1002") { id } }';
    const before = await checks();
    for (let i = 0; i < 3; i++) {
      const res = await d.post("/graphql", JSON.stringify({ query }));
      expect(res.body).toEqual({ data: { package: { id: "1002" } } });
    }
    const after = await checks();
    expect(after["limits passed"]).toBe((before["limits passed"] ?? 0) + 1);
    expect(after["validation passed"]).toBe((before["validation passed"] ?? 0) + 1);
  });
});
