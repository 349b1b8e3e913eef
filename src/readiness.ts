/**
 * Readiness: the OMS answered recently, or, unless the circuit breaker is open, answers a light
 * probe now. Probes are shared between concurrent health checks and not repeated more often than
 * PROBE_INTERVAL_MS, so a busy load balancer cannot turn health checks into OMS load.
 */
import type { OmsHttp } from "./oms/http.js";

const RECENT_MS = 30_000;
const PROBE_INTERVAL_MS = 5_000;

export function createReadiness(
  oms: OmsHttp,
  breaker: { state: "open" | "halfOpen" | "closed" } = { state: "closed" },
): () => Promise<boolean> {
  let probe: Promise<boolean> | null = null;
  let lastProbeAt = 0;
  let lastProbeResult = false;

  return async () => {
    if (Date.now() - oms.lastHealthyAnswerAt < RECENT_MS) return true;
    if (breaker.state === "open") return false;
    if (probe) return probe;
    if (Date.now() - lastProbeAt < PROBE_INTERVAL_MS) return lastProbeResult;
    lastProbeAt = Date.now();
    probe = oms
      .send("GET", "/api/v1/oms/packages/?page_size=1", "probe", null)
      .then((res) => res.status < 500 && res.status !== 401 && res.status !== 403)
      .catch(() => false)
      .then((ok) => {
        lastProbeResult = ok;
        probe = null;
        return ok;
      });
    return probe;
  };
}
