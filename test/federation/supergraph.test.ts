/**
 * The gateway as an Apollo Federation 2 subgraph in a real supergraph: its printed SDL composes with
 * another team's orders subgraph, and a real router (ApolloGateway) plans queries across both over
 * HTTP, reading each distinct package once and within OMS_MAX_CONNECTIONS.
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
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { omsCalls, ROUTER_SECRET, range } from "../helpers/federation.js";
import { type Harness, startHarness } from "../helpers/harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

/**
 * Another team's subgraph: orders that point at our packages by id only. The reference is nullable,
 * as the README's example declares it: `_entities` answers null for an id the OMS does not have.
 */
const ORDERS_SDL = `
extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key"])

type Order @key(fields: "id") {
  id: ID!
  number: String!
  package: Package
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

const BULK = range(2000, 2099);

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
    } | null;
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
    const ours = parse(readFileSync(new URL("../../schema/subgraph.graphql", import.meta.url), "utf8"));
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

  it("resolves packages and cargo companies for orders, reading each distinct package once, 100 to a call", async () => {
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
      packageReads: 0,
      packageListCalls: 2,
      distinctPackagesRead: 102,
      cargoListReads: 1,
      other: [],
    });

    h.sim.clearRequests();
    const warm = await supergraph.query(ORDERS_QUERY);

    expect(warm.body).toEqual(cold.body);
    // Packages are read per request (they change); the cargo company list is shared and cached.
    expect(omsCalls(h)).toEqual({
      packageReads: 0,
      packageListCalls: 2,
      distinctPackagesRead: 102,
      cargoListReads: 0,
      other: [],
    });
  });

  it("answers null for an order's package the OMS does not have, and the other orders as usual", async () => {
    currentOrders = ordersFor([1001, 9999, 1002]);
    supergraph = await startSupergraph(ordersUrl);

    const { body } = await supergraph.query(ORDERS_QUERY);

    // With `package: Package!` the null would bubble up through Order! and [Order!]!: no orders at all.
    expect(body.data?.orders.map((row) => [row.number, row.package?.id ?? null])).toEqual([
      ["SO-0001", "1001"],
      ["SO-0002", null],
      ["SO-0003", "1002"],
    ]);
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
      `supergraph query over 100 packages: cold ${coldCalls.packageListCalls} package list call(s) + ` +
        `${coldCalls.cargoListReads} cargo company list read(s); warm ${warmCalls.packageListCalls} package list call(s) + ` +
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
    expect(rows[6]?.package?.shipment?.cargoCompany).toEqual({ name: "DHL Express" });
    expect(rows[7]?.package?.shipment?.cargoCompany).toEqual({ name: "HepsiJET" });
    expect(rows.filter((row) => row.package?.shipment?.cargoCompany == null)).toEqual([]);
    expect(warm.body).toEqual(cold.body);
    expect(coldCalls).toEqual({
      packageReads: 0,
      packageListCalls: 1,
      distinctPackagesRead: 100,
      cargoListReads: 1,
      other: [],
    });
    expect(warmCalls).toEqual({
      packageReads: 0,
      packageListCalls: 1,
      distinctPackagesRead: 100,
      cargoListReads: 0,
      other: [],
    });
  });

  it("never has more OMS requests in flight than OMS_MAX_CONNECTIONS", async () => {
    currentOrders = ordersFor([...BULK, 1001, 1002]);
    // Packages read one by one, so that far more reads are wanted at once than there are connections.
    const env = { OMS_MAX_CONNECTIONS: "4", OMS_PACKAGE_IDS_PARAM: "" };
    supergraph = await startSupergraph(ordersUrl, env, { latencyMs: 20 });
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
