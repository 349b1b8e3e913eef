/** The cargo company cache reports its hits, misses and stale answers in /metrics. */
import { request } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ CARGO_COMPANIES_TTL_SECONDS: "1" });
});
afterAll(() => h.close());

async function counts(): Promise<Record<string, number>> {
  const text = await (await request(`${h.url}/metrics`)).body.text();
  const found: Record<string, number> = {};
  for (const match of text.matchAll(/^oms_graph_cargo_company_cache_total\{result="(\w+)"\} (\d+)$/gm)) {
    found[match[1] as string] = Number(match[2]);
  }
  return found;
}

it("counts a miss, then hits, then a stale answer when a refresh fails", async () => {
  const query = "{ cargoCompanies { id } }";
  await h.gql(query);
  await h.gql(query);
  await h.gql(query);
  expect(await counts()).toEqual({ miss: 1, hit: 2 });

  h.sim.injectFault({
    method: "GET",
    path: "/api/v1/oms/cargo_companies/",
    fault: { kind: "status", status: 500 },
  });
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const res = await h.gql(query);
  expect(res.body.errors).toBeUndefined();
  expect(await counts()).toEqual({ miss: 1, hit: 2, stale: 1 });
});
