/**
 * An example second subgraph for the local cluster (`npm run cluster`) and compose.yaml: orders
 * ORD-1001 to ORD-1008, each pointing at the simulator's demo package of the same number by id, and
 * ORD-9999, whose package the OMS does not have (so the router answers `package: null` for it).
 *
 * One file of erasable TypeScript: Node 24 runs it as it is (the compose service), Node 20 through tsx.
 */
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

interface OrderRow {
  id: string;
  number: string;
  package: { id: string };
}

const ORDERS: OrderRow[] = [
  ...Array.from({ length: 8 }, (_, i) => 1001 + i).map((id) => ({
    id: String(id),
    number: `ORD-${id}`,
    package: { id: String(id) },
  })),
  { id: "9999", number: "ORD-9999", package: { id: "9999" } },
];

const typeDefs = parse(readFileSync(new URL("schema.graphql", import.meta.url), "utf8"));
const resolvers = {
  Query: {
    orders: () => ORDERS,
    order: (_: unknown, args: { number: string }) => ORDERS.find((o) => o.number === args.number) ?? null,
  },
  Order: {
    __resolveReference: (ref: { id: string }) => ORDERS.find((o) => o.id === ref.id) ?? null,
  },
};

const server = new ApolloServer({ schema: buildSubgraphSchema({ typeDefs, resolvers }) });
const host = process.env.HOST || "127.0.0.1";
const port = Number(process.env.PORT || 4002);
const { url } = await startStandaloneServer(server, { listen: { host, port } });
process.stdout.write(`orders subgraph listening on ${url}\n`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => void server.stop().then(() => process.exit(0)));
}
