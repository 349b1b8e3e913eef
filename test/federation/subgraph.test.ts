/**
 * /subgraph called directly keeps its own guarantees: entities resolved by id with invalid ids null,
 * the router secret, the representation bound, no CORS, none of it reachable through /graphql, and
 * 404 when SUBGRAPH_ENABLED=false.
 */
import { request } from "undici";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { omsCalls, ROUTER_SECRET, range } from "../helpers/federation.js";
import { type Harness, startHarness } from "../helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const ALLOWED_ORIGIN = "https://app.example.com";

describe("/subgraph directly", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      ROUTER_SECRET,
      CORS_ORIGINS: ALLOWED_ORIGIN,
      MAX_ENTITY_REPRESENTATIONS: "5",
    });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  function subgraph(query: string, variables?: object, headers: Record<string, string> = {}) {
    return h.post("/subgraph", JSON.stringify({ query, variables }), {
      "router-authorization": ROUTER_SECRET,
      ...headers,
    });
  }

  const ENTITIES = `query ($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Package { id status shipment { trackingNumber cargoCompany { id name } } }
      ... on CargoCompany { id name erpCode shippingCompany }
    }
  }`;

  /** Loads the cargo company list once, so a test's own OMS calls do not depend on test order. */
  async function warmCatalogue() {
    const res = await subgraph("{ cargoCompanies { id } }");
    expect(res.body.errors).toBeUndefined();
    h.sim.clearRequests();
  }

  it("_service { sdl } declares Package and CargoCompany as entities keyed by id", async () => {
    const res = await subgraph("{ _service { sdl } }");

    expect(res.status).toBe(200);
    const sdl = (res.body.data as { _service: { sdl: string } })._service.sdl;
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])');
    // The federation printer puts each directive of a type on its own line.
    expect(sdl).toMatch(/\ntype Package\s+@key\(fields: "id"\)\s*\{/);
    expect(sdl).toMatch(/\ntype CargoCompany\s+@key\(fields: "id"\)\s*\{/);
    // Plain value types are not entities.
    expect(sdl).toMatch(/\ntype Shipment \{/);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("_entities resolves Package and CargoCompany references with string and number ids", async () => {
    await warmCatalogue();

    const res = await subgraph(ENTITIES, {
      representations: [
        { __typename: "Package", id: "1001" },
        { __typename: "Package", id: 1002 },
        { __typename: "CargoCompany", id: "5" },
        { __typename: "CargoCompany", id: 7 },
        { __typename: "Package", id: "999999" },
      ],
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      data: {
        _entities: [
          {
            __typename: "Package",
            id: "1001",
            status: "PACKED",
            shipment: { trackingNumber: "YK1001", cargoCompany: { id: "1", name: "Yurtiçi Kargo" } },
          },
          {
            __typename: "Package",
            id: "1002",
            status: "SHIPPED",
            shipment: { trackingNumber: "AR1002", cargoCompany: { id: "2", name: "Aras Kargo" } },
          },
          {
            __typename: "CargoCompany",
            id: "5",
            name: "Sürat Kargo",
            erpCode: "surat-kargo",
            shippingCompany: "surat",
          },
          {
            __typename: "CargoCompany",
            id: "7",
            name: "DHL Express",
            erpCode: "dhl-express",
            shippingCompany: "dhl",
          },
          // An id the OMS does not know is a null entity, not an error.
          null,
        ],
      },
    });
    // The three packages in one call of the package list; the cargo companies from the cached list.
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toEqual([
      "GET /api/v1/oms/packages/?id__in=1001,1002,999999&page_size=3",
    ]);
  });

  it("an unknown cargo company id is a null entity", async () => {
    await warmCatalogue();

    const res = await subgraph(ENTITIES, { representations: [{ __typename: "CargoCompany", id: "99" }] });

    expect(res.body).toEqual({ data: { _entities: [null] } });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("the same package named as a string and as a number is read once", async () => {
    const res = await subgraph(ENTITIES, {
      representations: [
        { __typename: "Package", id: "2000" },
        { __typename: "Package", id: 2000 },
        { __typename: "Package", id: "2000" },
      ],
    });

    expect(res.body.errors).toBeUndefined();
    const entity = { __typename: "Package", id: "2000", status: "PACKED", shipment: null };
    expect(res.body.data).toEqual({ _entities: [entity, entity, entity] });
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /api/v1/oms/packages/2000/"]);
  });

  it("invalid ids resolve to null without any OMS call", async () => {
    const res = await subgraph(ENTITIES, {
      representations: [
        { __typename: "Package", id: "../1" },
        { __typename: "CargoCompany", id: "../1" },
        { __typename: "Package", id: "1?x=y" },
        { __typename: "Package", id: 0 },
        { __typename: "CargoCompany", id: -3 },
      ],
    });

    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { _entities: [null, null, null, null, null] } });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("MAX_ENTITY_REPRESENTATIONS: 5 representations are resolved", async () => {
    const res = await subgraph(ENTITIES, {
      representations: range(2000, 2004).map((id) => ({ __typename: "Package", id: String(id) })),
    });

    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as { _entities: unknown[] })._entities).toHaveLength(5);
    expect(omsCalls(h)).toMatchObject({ packageReads: 0, packageListCalls: 1, distinctPackagesRead: 5 });
  });

  it("MAX_ENTITY_REPRESENTATIONS: 6 representations are refused before any OMS call", async () => {
    const res = await subgraph(ENTITIES, {
      representations: range(2000, 2005).map((id) => ({ __typename: "Package", id: String(id) })),
    });

    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "_entities accepts at most 5 representations per call, got 6.",
      path: ["_entities"],
      extensions: { code: "TOO_MANY_REPRESENTATIONS" },
    });
    expect(h.sim.requests).toHaveLength(0);
  });

  it.each([
    ["missing", {}],
    ["wrong", { "router-authorization": "not-the-secret" }],
    ["the secret with a suffix", { "router-authorization": `${ROUTER_SECRET}x` }],
    ["a Bearer API key instead", { "router-authorization": "", authorization: `Bearer ${ROUTER_SECRET}` }],
  ])("Router-Authorization %s → HTTP 401 UNAUTHENTICATED and no OMS call", async (_, headers) => {
    const body = JSON.stringify({
      query: ENTITIES,
      variables: { representations: [{ __typename: "Package", id: "1001" }] },
    });
    const res = await h.post("/subgraph", body, headers as Record<string, string>);

    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      errors: [
        {
          message: "The subgraph needs the router's Router-Authorization header.",
          extensions: { code: "UNAUTHENTICATED" },
        },
      ],
    });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("the right Router-Authorization → 200", async () => {
    const res = await subgraph(ENTITIES, { representations: [{ __typename: "Package", id: "1001" }] });

    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
    expect(omsCalls(h).packageReads).toBe(1);
  });

  it("sends no CORS headers, even for an origin /graphql allows", async () => {
    const corsHeaders = (headers: Record<string, unknown>) =>
      Object.keys(headers).filter((name) => name.startsWith("access-control-"));

    const post = await subgraph("{ cargoCompanies { id } }", undefined, { origin: ALLOWED_ORIGIN });
    const preflight = await request(`${h.url}/subgraph`, {
      method: "OPTIONS",
      headers: {
        origin: ALLOWED_ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, router-authorization",
      },
    });
    await preflight.body.text();
    // The same origin on /graphql is allowed, so the absence above is the endpoint's doing.
    const publicApi = await h.gql("{ cargoCompanies { id } }", undefined, { origin: ALLOWED_ORIGIN });

    expect(post.status).toBe(200);
    expect(corsHeaders(post.headers)).toEqual([]);
    expect(preflight.statusCode).toBe(405);
    expect(corsHeaders(preflight.headers)).toEqual([]);
    expect(publicApi.headers["access-control-allow-origin"]).toBe(ALLOWED_ORIGIN);
  });

  it.each([
    ["_service", "{ _service { sdl } }"],
    ["_entities", '{ _entities(representations: [{ __typename: "Package", id: "1001" }]) { __typename } }'],
  ])("/graphql has no %s: GRAPHQL_VALIDATION_FAILED and no OMS call", async (field, query) => {
    const res = await h.gql(query);

    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.message).toBe(`Cannot query field "${field}" on type "Query".`);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("GRAPHQL_VALIDATION_FAILED");
    expect(h.sim.requests).toHaveLength(0);
  });

  it("/graphql's schema has none of the federation types", async () => {
    const res = await h.gql<{ __schema: { types: Array<{ name: string }> } }, never>(
      "{ __schema { types { name } } }",
    );

    const names = res.body.data?.__schema.types.map((type) => type.name) ?? [];
    expect(names).toContain("Package");
    expect(names).toContain("CargoCompany");
    expect(names.filter((name) => ["_Any", "_Entity", "_Service", "link__Import"].includes(name))).toEqual(
      [],
    );
  });
});

describe("SUBGRAPH_ENABLED=false", () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({ SUBGRAPH_ENABLED: "false", ROUTER_SECRET });
  });
  afterAll(() => h.close());

  it("/subgraph is 404 while /graphql keeps working", async () => {
    const sub = await h.post("/subgraph", JSON.stringify({ query: "{ _service { sdl } }" }), {
      "router-authorization": ROUTER_SECRET,
    });
    const pub = await h.gql('{ cargoCompany(id: "1") { name } }');

    expect(sub.status).toBe(404);
    expect(sub.text).not.toContain("sdl");
    expect(pub.status).toBe(200);
    expect(pub.body).toEqual({ data: { cargoCompany: { name: "Yurtiçi Kargo" } } });
  });
});
