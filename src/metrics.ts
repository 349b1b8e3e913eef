/**
 * Prometheus metrics. Besides HTTP and OMS call figures, the business outcome of every mutation is
 * counted by union member and code: a gateway's error metrics never see a ValidationError or a
 * CommandRejected, because they travel as data in a 200 answer.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { OmsCall } from "./domain/ports.js";

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
// Codes come from the OMS too; anything unusual is folded so a misbehaving OMS cannot explode the series.
const SAFE_CODE = /^[A-Za-z0-9_]{1,48}$/;
/**
 * The rejection codes the OMS is known to send, and the gateway's own for a 406 without one. Every
 * other code is counted as "other": each new code would otherwise be a new series for ever. The
 * caller still gets the OMS's real code.
 */
const REJECTION_CODES: ReadonlySet<string> = new Set([
  "transition_not_found",
  "transition_not_allowed",
  "transition_state_mismatch",
  "package_locked",
  "COMMAND_REJECTED",
]);

type Labels = Record<string, string | number>;

interface SeriesValues {
  labels: Labels;
  /** Observations per bucket (not cumulative); the last one is +Inf. */
  buckets: number[];
  sum: number;
  count: number;
}

/**
 * A histogram (or, with no buckets, a counter) for the per-request series. prom-client's own
 * `observe` rebuilds and validates the label object and hashes it on every call, a few µs each,
 * three times a request; here a series is found by its label values joined into one key, and the
 * label object is made once per series. The registry reads it like any prom-client metric.
 */
export class FastSeries {
  readonly type: "histogram" | "counter";
  readonly aggregator = "sum";
  private readonly series = new Map<string, SeriesValues>();

  constructor(
    readonly name: string,
    readonly help: string,
    private readonly labelNames: readonly string[],
    private readonly upperBounds: readonly number[],
    registry: Registry,
  ) {
    this.type = upperBounds.length === 0 ? "counter" : "histogram";
    registry.registerMetric(this as unknown as Parameters<Registry["registerMetric"]>[0]);
  }

  /** Adds one observation (or, for a counter, `value` to the count) to the series of `labelValues`. */
  observe(labelValues: readonly string[], value: number): void {
    const key = labelValues.join("\u0001");
    let values = this.series.get(key);
    if (values === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((name, i) => {
        labels[name] = labelValues[i] ?? "";
      });
      values = { labels, buckets: new Array(this.upperBounds.length + 1).fill(0), sum: 0, count: 0 };
      this.series.set(key, values);
    }
    let bucket = 0;
    while (bucket < this.upperBounds.length && value > (this.upperBounds[bucket] as number)) bucket++;
    values.buckets[bucket] = (values.buckets[bucket] ?? 0) + 1;
    values.sum += value;
    values.count += 1;
  }

  /** prom-client's metric shape, read by the registry at every scrape. */
  get(): { name: string; help: string; type: string; aggregator: string; values: object[] } {
    const values: object[] = [];
    for (const series of this.series.values()) {
      if (this.type === "counter") {
        values.push({ labels: series.labels, value: series.sum });
        continue;
      }
      let cumulative = 0;
      this.upperBounds.forEach((le, i) => {
        cumulative += series.buckets[i] ?? 0;
        values.push({
          labels: { le, ...series.labels },
          value: cumulative,
          metricName: `${this.name}_bucket`,
        });
      });
      values.push({
        labels: { le: "+Inf", ...series.labels },
        value: series.count,
        metricName: `${this.name}_bucket`,
      });
      values.push({ labels: series.labels, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: series.labels, value: series.count, metricName: `${this.name}_count` });
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.series.clear();
  }
}

export class Metrics {
  readonly registry = new Registry();

  readonly httpRequests = new FastSeries(
    "oms_graph_http_request_duration_seconds",
    "HTTP requests served, by endpoint, operation (type and root fields) and status.",
    ["endpoint", "operation", "status"],
    SECONDS,
    this.registry,
  );

  readonly results = new FastSeries(
    "oms_graph_mutation_results_total",
    "Business outcomes of shipment commands, by mutation, union member and code.",
    ["mutation", "result", "code"],
    [],
    this.registry,
  );

  readonly omsCalls = new FastSeries(
    "oms_graph_oms_call_duration_seconds",
    "Calls to the OMS, by route and HTTP status (none: no answer).",
    ["route", "status"],
    SECONDS,
    this.registry,
  );

  readonly documentChecks = new Counter({
    name: "oms_graph_document_checks_total",
    help: "GraphQL documents checked: by the size limits (first sight of a text), by Apollo's validation, or refused again from memory (cache).",
    labelNames: ["check", "result"] as const,
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

  /** Reports at every scrape whether the idempotency store can be used (keyed mutations need it). */
  watchIdempotencyStore(store: { readonly healthy: boolean }): void {
    new Gauge({
      name: "oms_graph_idempotency_store_up",
      help: "1 while the idempotency store (memory or REDIS_URL) can be used, 0 while it cannot: mutations with an Idempotency-Key are refused then.",
      registers: [this.registry],
      collect() {
        this.set(store.healthy ? 1 : 0);
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
    this.results.observe([mutation, result, codeLabel(result, code)], 1);
  }

  recordOmsCall(call: OmsCall): void {
    this.omsCalls.observe([call.route, call.status === null ? "none" : String(call.status)], call.ms / 1000);
  }

  observeHttpRequest(endpoint: string, operation: string, status: number, seconds: number): void {
    this.httpRequests.observe([endpoint, operation, String(status)], seconds);
  }
}

// Private: the gateway's own codes are a fixed set; CommandRejected carries whatever the OMS said.
function codeLabel(result: string, code: string | null): string {
  if (code === null) return "";
  if (result === "CommandRejected") return REJECTION_CODES.has(code) ? code : "other";
  return SAFE_CODE.test(code) ? code : "other";
}
