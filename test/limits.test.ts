/**
 * Document limits, checked before anything executes: each has a stable code, and a refused document
 * reaches no resolver and so no OMS call.
 */
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
