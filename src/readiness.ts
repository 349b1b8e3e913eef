/**
 * Readiness: whether this replica can serve, for a load balancer. It can when the OMS is reachable
 * (asked of oms/, which knows what reachable means there).
 *
 * An idempotency store outage does not make the replica unready: it affects only mutations sent
 * with a key, and every replica shares the store, so it would take them all out of the load
 * balancer, queries included. It is reported in the body (and in metrics) instead.
 */
import { type OmsReachability, omsReachability, type ReachabilityDeps } from "./oms/reachability.js";

export interface ReadinessDeps extends ReachabilityDeps {
  idempotencyStore: { readonly healthy: boolean };
}

/** The answer of `/health/ready`: HTTP 200 when `ready`, 503 otherwise; the rest is its body. */
export interface Readiness {
  ready: boolean;
  status: "ready" | "oms_unreachable";
  checks: {
    oms: "ok" | "unreachable";
    breaker: OmsReachability["breaker"];
    idempotencyStore: "ok" | "unreachable";
  };
}

export function createReadiness(deps: ReadinessDeps): () => Promise<Readiness> {
  const oms = omsReachability(deps);
  const { idempotencyStore } = deps;
  return async () => {
    const ok = await oms.reachable();
    return {
      ready: ok,
      status: ok ? "ready" : "oms_unreachable",
      checks: {
        oms: ok ? "ok" : "unreachable",
        breaker: oms.breaker,
        idempotencyStore: idempotencyStore.healthy ? "ok" : "unreachable",
      },
    };
  };
}
