/** The cargo company cache reports its hits, misses and stale answers in /metrics. */
import { request } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ CARGO_COMPANIES_TTL_SECONDS: "1" });
});
afterAll(() => h.close());

async function counts(on: Harness = h): Promise<Record<string, number>> {
  const text = await (await request(`${on.url}/metrics`)).body.text();
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

it("answers a list's carriers from the cached catalogue with one hit per request, not one per package", async () => {
  const fresh = await startHarness();
  try {
    await listsCarriersFromMemory(fresh);
  } finally {
    await fresh.close();
  }
});

async function listsCarriersFromMemory(h: Harness): Promise<void> {
  const query =
    "{ packages(first: 50) { edges { node { id shipment { cargoCompany { id name } trackingUrl } } } } }";
  const listed = (await h.gql(query)).body as {
    data: {
      packages: {
        edges: Array<{
          node: {
            shipment: {
              cargoCompany: { id: string; name: string } | null;
              trackingUrl: string | null;
            } | null;
          };
        }>;
      };
    };
  };
  const carriers = listed.data.packages.edges.flatMap((e) =>
    e.node.shipment?.cargoCompany ? [e.node.shipment] : [],
  );
  expect(carriers.length).toBeGreaterThan(1);
  // Each name is the one the catalogue query gives for that id.
  const catalogue = (await h.gql("{ cargoCompanies { id name } }")).body as {
    data: { cargoCompanies: Array<{ id: string; name: string }> };
  };
  const names = new Map(catalogue.data.cargoCompanies.map((c) => [c.id, c.name]));
  for (const { cargoCompany } of carriers) expect(cargoCompany?.name).toBe(names.get(cargoCompany?.id ?? ""));

  const before = await counts(h);
  await h.gql(query);
  const after = await counts(h);
  expect((after.hit ?? 0) - (before.hit ?? 0)).toBe(1);
  expect(after.miss).toBe(before.miss);
}
