/**
 * Prometheus metrics. Besides HTTP and OMS call figures, the business outcome of every mutation is
 * counted by union member and code: a gateway's error metrics never see a ValidationError or a
 * CommandRejected, because they travel as data in a 200 answer.
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { OmsCall } from "./domain/ports.js";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Codes come from the OMS too; anything unusual is folded so a misbehaving OMS cannot explode the series.
const SAFE_CODE = /^[A-Za-z0-9_]{1,48}$/;

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new Histogram({
    name: "oms_graph_http_request_duration_seconds",
    help: "HTTP requests served, by endpoint, operation (type and root fields) and status.",
    labelNames: ["endpoint", "operation", "status"] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly results = new Counter({
    name: "oms_graph_mutation_results_total",
    help: "Business outcomes of shipment commands, by mutation, union member and code.",
    labelNames: ["mutation", "result", "code"] as const,
    registers: [this.registry],
  });

  readonly omsCalls = new Histogram({
    name: "oms_graph_oms_call_duration_seconds",
    help: "Calls to the OMS, by route and HTTP status (none: no answer).",
    labelNames: ["route", "status"] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });

  readonly bulkItems = new Counter({
    name: "oms_graph_bulk_items_total",
    help: "Items of bulk shipment updates finished, by result.",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  /** Reports the circuit breaker's state at every scrape: 0 closed, 1 half-open, 2 open. */
  watchBreaker(breaker: { state: "open" | "halfOpen" | "closed" }): void {
    new Gauge({
      name: "oms_graph_oms_breaker_state",
      help: "The OMS circuit breaker: 0 closed (calls go through), 1 half-open (probing), 2 open (failing fast).",
      registers: [this.registry],
      collect() {
        this.set(breaker.state === "closed" ? 0 : breaker.state === "halfOpen" ? 1 : 2);
      },
    });
  }

  /** Reports the bulk limiter's occupancy at every scrape. */
  watchBulkLimiter(limiter: { inFlight: number; queued: number }): void {
    new Gauge({
      name: "oms_graph_bulk_commands_in_flight",
      help: "Bulk shipment commands at the OMS right now (at most BULK_CONCURRENCY).",
      registers: [this.registry],
      collect() {
        this.set(limiter.inFlight);
      },
    });
    new Gauge({
      name: "oms_graph_bulk_commands_queued",
      help: "Bulk shipment commands waiting for a free slot.",
      registers: [this.registry],
      collect() {
        this.set(limiter.queued);
      },
    });
  }

  readonly cargoCompanyLookups = new Counter({
    name: "oms_graph_cargo_company_cache_total",
    help: "Cargo company list lookups: hit (from memory), miss (refreshed from the OMS), stale (served after a failed refresh).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  recordResult(mutation: string, result: string, code: string | null): void {
    this.results.inc({ mutation, result, code: code === null ? "" : SAFE_CODE.test(code) ? code : "other" });
  }

  recordOmsCall(call: OmsCall): void {
    this.omsCalls.observe(
      { route: call.route, status: call.status === null ? "none" : String(call.status) },
      call.ms / 1000,
    );
  }
}
