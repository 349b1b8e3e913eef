/**
 * What the federation specs share: the router secret, the OMS routes a subgraph query causes, and
 * those calls counted by kind.
 */
import { type Harness } from "./harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

export const ROUTER_SECRET = "router-shared-secret-for-tests";
export const CARGO_LIST_PATH = "/api/v1/oms/cargo_companies/";
export const PACKAGE_READ = /^\/api\/v1\/oms\/packages\/(\d+)\/$/;

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export interface OmsCallCounts {
  packageReads: number;
  distinctPackagesRead: number;
  cargoListReads: number;
  other: string[];
}

export function omsCalls(h: Harness): OmsCallCounts {
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
