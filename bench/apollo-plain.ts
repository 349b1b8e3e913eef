/**
 * A reference point: the same mutation through a plain Apollo Server 5 facade, as most teams would
 * first write it (startStandaloneServer, an SDL schema, a resolver forwarding the command to the OMS
 * through an undici Pool). No validation, logging, metrics or authentication. Prints `{url}` when ready.
 */
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
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
  type Query { ok: Boolean }
  type Mutation { updatePackageShipment(input: UpdatePackageShipmentInput!): UpdatePackageShipmentResult! }
`;

interface Input {
  packageId: string;
  cargoCompanyId: string;
  trackingNumber: string;
  transitionId: number;
}

const resolvers = {
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
const { url } = await startStandaloneServer(server, { listen: { port: 0, host: "127.0.0.1" } });
process.stdout.write(`${JSON.stringify({ url: url.replace(/\/$/, "") })}\n`);
process.on("SIGTERM", () => {
  void server.stop().then(() => process.exit(0));
});
