/**
 * Whether the OMS is reachable, for readiness: it is when it answered well recently or answers a light
 * probe now, and not while the circuit breaker is open (every OMS call would fail fast). Probes are
 * shared between concurrent checks and, while the breaker is closed, not repeated more often than
 * PROBE_INTERVAL_MS, so a busy load balancer cannot turn health checks into OMS load. While it is open
 * they go through the breaker, which lets one through when its probe is due: readiness recovers even
 * when no traffic reaches a replica marked not ready.
 */
import type { BreakerState } from "./breaker.js";
import { isHealthyAnswer, type OmsHttp, type OmsTransport } from "./http.js";

const RECENT_MS = 30_000;
const PROBE_INTERVAL_MS = 5_000;
const PROBE_PATH = "/api/v1/oms/packages/?page_size=1";

export interface ReachabilityDeps {
  /** The plain transport: when the OMS last answered well. */
  http: Pick<OmsHttp, "lastHealthyAnswerAt">;
  /** The transport behind the breaker: probes go through it. */
  oms: Pick<OmsTransport, "send"> & { readonly state: BreakerState };
}

export interface OmsReachability {
  /** True when the OMS answers and the breaker lets calls through. */
  reachable(): Promise<boolean>;
  /** The breaker's state, reported next to the answer. */
  readonly breaker: BreakerState;
}

export function omsReachability({ http, oms }: ReachabilityDeps): OmsReachability {
  let probe: Promise<boolean> | null = null;
  let lastProbeAt = 0;
  let lastProbeResult = false;

  function probeNow(): Promise<boolean> {
    lastProbeAt = Date.now();
    probe = oms
      .send("GET", PROBE_PATH, "probe", null, { once: true })
      .then((res) => isHealthyAnswer(res.status))
      .catch(() => false)
      .then((ok) => {
        lastProbeResult = ok;
        probe = null;
        return ok;
      });
    return probe;
  }

  async function answers(): Promise<boolean> {
    if (oms.state === "closed" && Date.now() - http.lastHealthyAnswerAt < RECENT_MS) return true;
    if (probe) return probe;
    // A probe of the breaker's own is out: a health check should not hang on it.
    if (oms.state === "halfOpen") return false;
    // The breaker decides: refused at once while open, let through as its probe when one is due.
    if (oms.state === "open") return probeNow();
    if (Date.now() - lastProbeAt < PROBE_INTERVAL_MS) return lastProbeResult;
    return probeNow();
  }

  return {
    reachable: async () => (await answers()) && oms.state === "closed",
    get breaker() {
      return oms.state;
    },
  };
}
