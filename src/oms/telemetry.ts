/**
 * What one OMS call cost, reported as it ends. The record is made here because its fields are HTTP's
 * (method, status); above oms/ it travels as an opaque `OmsCallRecord`, written to the request log
 * line as it is and counted by the histogram below, so no other layer reads an OMS status.
 */
import { Histogram, type Registry } from "prom-client";
import type { CallOptions, OmsCallRecord } from "../domain/ports.js";
import { childrenBy, SECONDS } from "../metrics.js";

export type OmsCall = {
  route: "command" | "package" | "packages" | "cargo_companies" | "probe";
  method: string;
  /** null when no answer arrived. */
  status: number | null;
  ms: number;
};

/**
 * The OMS call histogram in `registry`; the returned function counts one call record. Label children
 * are kept per route and status: `labels(...)` validates its arguments on every call.
 */
export function omsCallCounter(registry: Registry): (record: OmsCallRecord) => void {
  const histogram = new Histogram({
    name: "oms_graph_oms_call_duration_seconds",
    help: "Calls to the OMS, by route and HTTP status (none: no answer).",
    labelNames: ["route", "status"] as const,
    buckets: SECONDS,
    registers: [registry],
  });
  const child = childrenBy((route, status) => histogram.labels(route, status));
  return (record) => {
    // Only this module makes these records: see `OmsHttp.send`.
    const call = record as OmsCall;
    child(call.route, call.status === null ? "none" : String(call.status)).observe(call.ms / 1000);
  };
}

/** A caller's options as the transport sees them: the call records it gets are the adapter's own. */
export type OmsCallOptions = Omit<CallOptions, "onCall"> & { onCall?: (call: OmsCall) => void };
