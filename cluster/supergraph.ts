/**
 * `npm run supergraph`: composes oms-graph's subgraph SDL (schema/subgraph.graphql, printed from the
 * code) with the example orders subgraph into cluster/supergraph.graphql, the supergraph the router of
 * compose.yaml serves. `npm run cluster` composes its own copy with its loopback URLs through the same
 * function. CI runs this script and fails when the committed file differs from its output.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

export interface SubgraphUrls {
  /** Where the router reaches oms-graph's /subgraph: the load balancer in front of its replicas. */
  packages: string;
  orders: string;
}

/** The service names and ports of compose.yaml. */
export const COMPOSE_URLS: SubgraphUrls = {
  packages: "http://oms-graph:4000/subgraph",
  orders: "http://orders:4002/",
};

export const SUPERGRAPH_FILE = fileURLToPath(new URL("supergraph.graphql", import.meta.url));
const SUBGRAPH_SDL = new URL("../schema/subgraph.graphql", import.meta.url);
const ORDERS_SDL = new URL("../examples/orders-subgraph/schema.graphql", import.meta.url);
const HEADER = "# Composed by `npm run supergraph` (cluster/supergraph.ts). Do not edit.\n\n";

/** The supergraph SDL; throws with every composition error when the subgraphs do not compose. */
export function composeSupergraph(urls: SubgraphUrls): string {
  const result = composeServices([
    { name: "packages", url: urls.packages, typeDefs: parse(readFileSync(SUBGRAPH_SDL, "utf8")) },
    { name: "orders", url: urls.orders, typeDefs: parse(readFileSync(ORDERS_SDL, "utf8")) },
  ]);
  if (result.errors) {
    throw new Error(
      `The subgraphs do not compose:\n${result.errors.map((e) => `  - ${e.message}`).join("\n")}`,
    );
  }
  return `${HEADER}${result.supergraphSdl.trim()}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SUPERGRAPH_FILE, composeSupergraph(COMPOSE_URLS));
  process.stdout.write("wrote cluster/supergraph.graphql\n");
}
