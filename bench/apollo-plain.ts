/**
 * A reference point: the same operations through a plain Apollo Server 5 facade, as most teams would
 * first write it (startStandaloneServer, an SDL schema, resolvers forwarding to the OMS through an
 * undici Pool). The mutation forwards the command; `package(id)` reads through a DataLoader that asks
 * for all of a request's ids in one list call (`id__in`), and cargo companies are read once and kept.
 * No validation, logging, metrics, authentication, breaker or timeouts. Prints `{url}` when ready.
 */
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import DataLoader from "dataloader";
import { Pool } from "undici";

const upstream = process.argv[2] ?? "";
const pool = new Pool(upstream, { connections: 32 });
const headers = { authorization: "Token demo-oms-token", "content-type": "application/json" };

const typeDefs = `#graphql
  input UpdatePackageShipmentInput {
    packageId: ID!
    cargoCompanyId: ID!
    trackingNumber: String!
    queryNumber: String
    transitionId: Int
  }
  type Shipment { trackingNumber: String! }
  type ShipmentUpdated { shipment: Shipment! }
  type CommandRejected { message: String! }
  union UpdatePackageShipmentResult = ShipmentUpdated | CommandRejected
  type CargoCompany { id: ID! name: String! }
  type PackageShipment { trackingNumber: String cargoCompany: CargoCompany }
  type Package { id: ID! status: String! shipment: PackageShipment }
  type Query { package(id: ID!): Package }
  type Mutation { updatePackageShipment(input: UpdatePackageShipmentInput!): UpdatePackageShipmentResult! }
`;

interface Input {
  packageId: string;
  cargoCompanyId: string;
  trackingNumber: string;
  transitionId: number;
}

interface WirePackage {
  id: number;
  state: { enum_value: string };
  shipment: { awb_number: string | null; cargo_company: number | null } | null;
}

async function getJson(path: string): Promise<unknown> {
  const answer = await pool.request({ path, method: "GET", headers });
  if (answer.statusCode !== 200) throw new Error(`The OMS answered ${answer.statusCode}.`);
  return answer.body.json();
}

let companies: Promise<Map<string, { id: string; name: string }>> | undefined;
function cargoCompanies() {
  companies ??= getJson("/api/v1/oms/cargo_companies/?page_size=100").then((page) => {
    const results = (page as { results: Array<{ id: number; name: string }> }).results;
    return new Map(results.map((c) => [String(c.id), { id: String(c.id), name: c.name }]));
  });
  return companies;
}

const STATUSES: Record<string, string> = { "500": "PACKED", "600": "SHIPPED", "700": "DELIVERED" };

function packageLoader() {
  return new DataLoader<string, WirePackage | null>(async (ids) => {
    const page = (await getJson(`/api/v1/oms/packages/?id__in=${ids.join(",")}&page_size=${ids.length}`)) as {
      results: WirePackage[];
    };
    const byId = new Map(page.results.map((p) => [String(p.id), p]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

const resolvers = {
  Query: {
    package: (_: unknown, { id }: { id: string }, ctx: { packages: ReturnType<typeof packageLoader> }) =>
      ctx.packages.load(id),
  },
  Package: {
    status: (p: WirePackage) => STATUSES[p.state.enum_value] ?? "WAITING",
    shipment: (p: WirePackage) => p.shipment,
  },
  PackageShipment: {
    trackingNumber: (s: { awb_number: string | null }) => s.awb_number,
    cargoCompany: async (s: { cargo_company: number | null }) =>
      s.cargo_company === null ? null : ((await cargoCompanies()).get(String(s.cargo_company)) ?? null),
  },
  UpdatePackageShipmentResult: {
    __resolveType: (result: { shipment?: unknown }) =>
      result.shipment ? "ShipmentUpdated" : "CommandRejected",
  },
  Mutation: {
    async updatePackageShipment(_: unknown, { input }: { input: Input }) {
      const answer = await pool.request({
        path: `/api/v1/oms/packages/${Number(input.packageId)}/command/`,
        method: "POST",
        headers,
        body: JSON.stringify({
          transition_id: input.transitionId,
          awb_number: input.trackingNumber,
          cargo_company: Number(input.cargoCompanyId),
        }),
      });
      await answer.body.dump();
      return answer.statusCode === 204
        ? { shipment: { trackingNumber: input.trackingNumber } }
        : { message: `The OMS answered ${answer.statusCode}.` };
    },
  },
};

const server = new ApolloServer({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: 0, host: "127.0.0.1" },
  context: async () => ({ packages: packageLoader() }),
});
process.stdout.write(`${JSON.stringify({ url: url.replace(/\/$/, "") })}\n`);
process.on("SIGTERM", () => {
  void server.stop().then(() => process.exit(0));
});
