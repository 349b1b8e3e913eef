/**
 * The router's configuration (Hive Gateway), for `npm run cluster` and compose.yaml alike: the
 * supergraph file is given on the command line (`hive-gateway supergraph <file>`).
 *
 * What oms-graph needs from a router: the caller's `Authorization` (it scopes idempotency keys),
 * `Idempotency-Key`, the W3C `traceparent` and `x-request-id`, passed on to the subgraphs, and the
 * shared secret on every request to oms-graph's `/subgraph` (`Router-Authorization`).
 */
import { defineConfig } from "@graphql-hive/gateway";

/** The caller's headers every subgraph request carries, when the caller sent them. */
export const FORWARDED_HEADERS = ["authorization", "idempotency-key", "traceparent", "x-request-id"] as const;

/** oms-graph's name in the supergraph (cluster/supergraph.ts). */
export const OMS_GRAPH_SUBGRAPH = "packages";

/** The secret oms-graph's replicas expect (their ROUTER_SECRET). */
const routerSecret = process.env.OMS_GRAPH_ROUTER_SECRET ?? "";

/** The headers of one subgraph request, from the caller's request. */
export function subgraphHeaders(request: Request, subgraphName: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const name of FORWARDED_HEADERS) {
    const value = request.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  if (subgraphName === OMS_GRAPH_SUBGRAPH && routerSecret !== "") {
    headers["router-authorization"] = routerSecret;
  }
  return headers;
}

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request, subgraphName }) => subgraphHeaders(request, subgraphName),
  },
});
