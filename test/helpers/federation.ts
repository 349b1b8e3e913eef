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

export const PACKAGE_LIST_PATH = "/api/v1/oms/packages/";

export interface OmsCallCounts {
  /** Reads of one package at its own URL. */
  packageReads: number;
  /** Batched reads: calls of the package list with the multiple-id filter. */
  packageListCalls: number;
  /** Packages asked for by either. */
  distinctPackagesRead: number;
  cargoListReads: number;
  other: string[];
}

export function omsCalls(h: Harness): OmsCallCounts {
  const gets = h.sim.requests.filter((r) => r.method === "GET");
  const reads = gets.filter((r) => PACKAGE_READ.test(r.path));
  const lists = gets.filter((r) => r.path === PACKAGE_LIST_PATH && r.query.id__in !== undefined);
  const ids = [
    ...reads.map((r) => PACKAGE_READ.exec(r.path)?.[1]),
    ...lists.flatMap((r) => r.query.id__in?.split(",") ?? []),
  ];
  const counted = new Set([...reads, ...lists]);
  return {
    packageReads: reads.length,
    packageListCalls: lists.length,
    distinctPackagesRead: new Set(ids).size,
    cargoListReads: gets.filter((r) => r.path === CARGO_LIST_PATH).length,
    other: h.sim.requests
      .filter((r) => !counted.has(r) && !(r.method === "GET" && r.path === CARGO_LIST_PATH))
      .map((r) => `${r.method} ${r.path}`),
  };
}
