/**
 * The gateway as an Apollo Federation 2 subgraph: it composes with another team's subgraph, a real
 * router (ApolloGateway) plans queries across both over HTTP, and /subgraph keeps its own guarantees
 * (router secret, representation bound, no CORS, not reachable through /graphql).
 */
import { readFileSync } from "node:fs";
import { composeServices } from "@apollo/composition";
import { ApolloGateway, IntrospectAndCompose, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";
import { request } from "undici";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const ROUTER_SECRET = "router-shared-secret-for-tests";
const ALLOWED_ORIGIN = "https://app.example.com";
const CARGO_LIST_PATH = "/api/v1/oms/cargo_companies/";
const PACKAGE_READ = /^\/api\/v1\/oms\/packages\/(\d+)\/$/;

/** Another team's subgraph: orders that point at our packages by id only. */
const ORDERS_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Order @key(fields: "id") {
  id: ID!
  number: String!
  package: Package!
}

type Package @key(fields: "id", resolvable: false) {
  id: ID!
}

type Query {
  orders: [Order!]!
}
`;

interface OrderRow {
  id: string;
  number: string;
  package: { id: string };
}

/** What the orders subgraph answers; each test sets it before querying. */
let currentOrders: OrderRow[] = [];

function ordersFor(packageIds: readonly number[]): OrderRow[] {
  return packageIds.map((packageId, index) => ({
    id: String(index + 1),
    number: `SO-${String(index + 1).padStart(4, "0")}`,
    package: { id: String(packageId) },
  }));
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const BULK = range(2000, 2099);

interface OmsCallCounts {
  packageReads: number;
  distinctPackagesRead: number;
  cargoListReads: number;
  other: string[];
}

function omsCalls(h: Harness): OmsCallCounts {
  const packagePaths = h.sim.requests.filter((r) => r.method === "GET" && PACKAGE_READ.test(r.path));
  return {
    packageReads: packagePaths.length,
    distinctPackagesRead: new Set(packagePaths.map((r) => r.path)).size,
    cargoListReads: h.sim.requests.filter((r) => r.method === "GET" && r.path === CARGO_LIST_PATH).length,
    other: h.sim.requests
      .filter((r) => !(r.method === "GET" && (PACKAGE_READ.test(r.path) || r.path === CARGO_LIST_PATH)))
      .map((r) => `${r.method} ${r.path}`),
  };
}

// The router's own info lines would drown the test output; its warnings and errors stay visible.
const routerLogger = {
  debug: () => {},
  info: () => {},
  warn: (...args: unknown[]) => console.warn(...args),
  error: (...args: unknown[]) => console.error(...args),
};

interface OrdersData {
  orders: Array<{
    number: string;
    package: {
      id: string;
      status: string;
      shipment: { trackingNumber: string | null; cargoCompany: { name: string } | null } | null;
    };
  }>;
}

interface Supergraph {
  h: Harness;
  /** The operations the router sent to our subgraph, composition's `_service` query excluded. */
  omsFetches: string[];
  query(query: string): Promise<{ status: number; body: { data?: OrdersData | null; errors?: unknown[] } }>;
  close(): Promise<void>;
}

async function startSupergraph(
  ordersUrl: string,
  env: Record<string, string> = {},
  simulatorOptions: Parameters<typeof startHarness>[1] = {},
): Promise<Supergraph> {
  const h = await startHarness({ ROUTER_SECRET, ...env }, simulatorOptions);
  const omsFetches: string[] = [];
  const gateway = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: "oms", url: `${h.url}/subgraph` },
        { name: "orders", url: ordersUrl },
      ],
    }),
    buildService: ({ name, url }) =>
      new RemoteGraphQLDataSource({
        url,
        willSendRequest({ request }) {
          request.http?.headers.set("Router-Authorization", ROUTER_SECRET);
          const query = request.query ?? "";
          if (name === "oms" && !query.includes("_service")) omsFetches.push(query);
        },
      }),
    logger: routerLogger,
  });
  const server = new ApolloServer({ gateway, logger: routerLogger });
  let url: string;
  try {
    ({ url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } }));
  } catch (error) {
    await h.close();
    throw error;
  }
  return {
    h,
    omsFetches,
    async query(query) {
      const res = await request(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      return { status: res.statusCode, body: (await res.body.json()) as never };
    },
    async close() {
      await server.stop();
      await h.close();
    },
  };
}

const ORDERS_QUERY = `{
  orders {
    number
    package { id status shipment { trackingNumber cargoCompany { name } } }
  }
}`;

// ---------------------------------------------------------------------------------------------

describe("composition", () => {
  it("our printed subgraph SDL composes with an orders subgraph without errors or hints", () => {
    const ours = parse(readFileSync(new URL("../schema/subgraph.graphql", import.meta.url), "utf8"));
    const result = composeServices([
      { name: "oms", typeDefs: ours, url: "http://127.0.0.1:4000/subgraph" },
      { name: "orders", typeDefs: parse(ORDERS_SDL), url: "http://127.0.0.1:4001/graphql" },
    ]);

    expect(result.errors).toBeUndefined();
    // No hints at all: Package is an entity in both subgraphs with the same key (the orders side
    // declares it `resolvable: false`, which is the documented way to reference an entity and not
    // worth a hint), no field is shared between the subgraphs with diverging types or descriptions,
    // and both subgraphs link the same federation version, so nothing is inconsistent to report.
    expect((result.hints ?? []).map((hint) => hint.definition.code)).toEqual([]);
    expect(result.supergraphSdl).toMatch(/type Order\b/);
    expect(result.supergraphSdl).toMatch(/orders: \[Order!\]!/);
    expect(result.supergraphSdl).toMatch(/cargoCompanies\(filter: CargoCompanyFilter\): \[CargoCompany!\]!/);
  });
});

describe("a real supergraph: ApolloGateway over the orders subgraph and our /subgraph", () => {
  let ordersServer: ApolloServer;
  let ordersUrl: string;
  let supergraph: Supergraph | undefined;

  beforeAll(async () => {
    ordersServer = new ApolloServer({
      schema: buildSubgraphSchema({
        typeDefs: parse(ORDERS_SDL),
        resolvers: { Query: { orders: () => currentOrders } },
      }),
      plugins: [ApolloServerPluginInlineTraceDisabled()],
    });
    ({ url: ordersUrl } = await startStandaloneServer(ordersServer, {
      listen: { host: "127.0.0.1", port: 0 },
    }));
  });
  afterAll(() => ordersServer.stop());
  afterEach(async () => {
    await supergraph?.close();
    supergraph = undefined;
  });

  it("resolves packages and cargo companies for orders, reading each distinct package once", async () => {
    // 100 orders on the bulk packages, the two demo packages with shipments, and three orders whose
    // package another order already names: those must not cost another read.
    currentOrders = ordersFor([...BULK, 1001, 1002, 1001, 2042, 1002]);
    supergraph = await startSupergraph(ordersUrl);
    const { h } = supergraph;
    h.sim.clearRequests();

    const cold = await supergraph.query(ORDERS_QUERY);

    expect(cold.status).toBe(200);
    expect(cold.body.errors).toBeUndefined();
    const rows = cold.body.data?.orders ?? [];
    expect(rows).toHaveLength(105);
    expect(rows[0]).toEqual({
      number: "SO-0001",
      package: { id: "2000", status: "PACKED", shipment: null },
    });
    expect(rows[99]).toEqual({
      number: "SO-0100",
      package: { id: "2099", status: "PACKED", shipment: null },
    });
    const yurtici = {
      id: "1001",
      status: "PACKED",
      shipment: { trackingNumber: "YK1001", cargoCompany: { name: "Yurtiçi Kargo" } },
    };
    const aras = {
      id: "1002",
      status: "SHIPPED",
      shipment: { trackingNumber: "AR1002", cargoCompany: { name: "Aras Kargo" } },
    };
    expect(rows.slice(100)).toEqual([
      { number: "SO-0101", package: yurtici },
      { number: "SO-0102", package: aras },
      { number: "SO-0103", package: yurtici },
      { number: "SO-0104", package: { id: "2042", status: "PACKED", shipment: null } },
      { number: "SO-0105", package: aras },
    ]);
    // One fetch from the router to our subgraph carries every representation, duplicates included.
    expect(supergraph.omsFetches).toHaveLength(1);
    expect(supergraph.omsFetches[0]).toContain("_entities");
    expect(omsCalls(h)).toEqual({
      packageReads: 102,
      distinctPackagesRead: 102,
      cargoListReads: 1,
      other: [],
    });

    h.sim.clearRequests();
    const warm = await supergraph.query(ORDERS_QUERY);

    expect(warm.body).toEqual(cold.body);
    // Packages are read per request (they change); the cargo company list is shared and cached.
    expect(omsCalls(h)).toEqual({
      packageReads: 102,
      distinctPackagesRead: 102,
      cargoListReads: 0,
      other: [],
    });
  });

  it("a 100-package query with a carrier on every package: OMS calls cold and warm", async () => {
    currentOrders = ordersFor(BULK);
    supergraph = await startSupergraph(ordersUrl);
    const { h } = supergraph;
    // Every bulk package gets a shipment, so each of the 100 packages resolves a cargo company.
    for (const id of BULK) {
      const pkg = h.sim.getPackage(id);
      if (!pkg) throw new Error(`the simulator has no package ${id}`);
      h.sim.setPackage({
        ...pkg,
        shipment: { awb_number: `BK${id}`, query_number: null, cargo_company: (id % 8) + 1 },
      });
    }
    h.sim.clearRequests();

    const cold = await supergraph.query(ORDERS_QUERY);
    const coldCalls = omsCalls(h);
    h.sim.clearRequests();
    const warm = await supergraph.query(ORDERS_QUERY);
    const warmCalls = omsCalls(h);

    console.log(
      `supergraph query over 100 packages: cold ${coldCalls.packageReads} package reads + ` +
        `${coldCalls.cargoListReads} cargo company list read(s); warm ${warmCalls.packageReads} package reads + ` +
        `${warmCalls.cargoListReads} cargo company list read(s)`,
    );
    expect(cold.body.errors).toBeUndefined();
    const rows = cold.body.data?.orders ?? [];
    expect(rows).toHaveLength(100);
    expect(rows[0]?.package).toEqual({
      id: "2000",
      status: "PACKED",
      shipment: { trackingNumber: "BK2000", cargoCompany: { name: "Yurtiçi Kargo" } },
    });
    expect(rows[6]?.package.shipment?.cargoCompany).toEqual({ name: "DHL Express" });
    expect(rows[7]?.package.shipment?.cargoCompany).toEqual({ name: "HepsiJET" });
    expect(rows.filter((row) => row.package.shipment?.cargoCompany == null)).toEqual([]);
    expect(warm.body).toEqual(cold.body);
    expect(coldCalls).toEqual({ packageReads: 100, distinctPackagesRead: 100, cargoListReads: 1, other: [] });
    expect(warmCalls).toEqual({ packageReads: 100, distinctPackagesRead: 100, cargoListReads: 0, other: [] });
  });

  it("never has more OMS requests in flight than OMS_MAX_CONNECTIONS", async () => {
    currentOrders = ordersFor([...BULK, 1001, 1002]);
    supergraph = await startSupergraph(ordersUrl, { OMS_MAX_CONNECTIONS: "4" }, { latencyMs: 20 });
    const { h } = supergraph;
    h.sim.reset();

    const res = await supergraph.query(ORDERS_QUERY);

    expect(res.body.errors).toBeUndefined();
    expect(res.body.data?.orders).toHaveLength(102);
    expect(omsCalls(h).packageReads).toBe(102);
    // 102 reads are wanted at once; the connection pool lets exactly four through at a time.
    expect(h.sim.stats.maxRequestsInFlight).toBe(4);
  });
});

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
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      "GET /api/v1/oms/packages/1001/",
      "GET /api/v1/oms/packages/1002/",
      "GET /api/v1/oms/packages/999999/",
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
    expect(omsCalls(h).packageReads).toBe(5);
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
