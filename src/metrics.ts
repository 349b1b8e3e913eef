/**
 * Prometheus metrics. Besides HTTP and OMS call figures, the business outcome of every mutation is
 * counted by union member and code: a gateway's error metrics never see a ValidationError or a
 * CommandRejected, because they travel as data in a 200 answer.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Buckets of every duration histogram, in seconds. */
export const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
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

/**
 * A metric's label children, one per combination of label values: `labels(...)` builds and
 * validates a label object on every call, and the per-request series are observed three times a
 * request, so each child is made once and kept.
 */
export function childrenBy<Child>(labels: (...values: string[]) => Child): (...values: string[]) => Child {
  const children = new Map<string, Child>();
  return (...values) => {
    const key = values.join("\u0001");
    let child = children.get(key);
    if (child === undefined) {
      child = labels(...values);
      children.set(key, child);
    }
    return child;
  };
}

export class Metrics {
  readonly registry = new Registry();

  constructor() {
    // Process and Node.js figures (CPU, memory, heap, event loop lag, GC, handles) next to ours.
    collectDefaultMetrics({ register: this.registry });
  }

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

  private readonly httpRequestsBy = childrenBy((...values) => this.httpRequests.labels(...values));
  private readonly resultsBy = childrenBy((...values) => this.results.labels(...values));

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

  /**
   * Reports at every scrape whether the idempotency store can be used (keyed mutations need it) and,
   * for the in-memory store, what it holds. Redis's records are shared by every replica: count them
   * in Redis, not once per replica.
   */
  watchIdempotencyStore(store: {
    readonly healthy: boolean;
    readonly size?: number;
    readonly storedBytes?: number;
  }): void {
    new Gauge({
      name: "oms_graph_idempotency_store_up",
      help: "1 while the idempotency store (memory or REDIS_URL) can be used, 0 while it cannot: mutations with an Idempotency-Key are refused then.",
      registers: [this.registry],
      collect() {
        this.set(store.healthy ? 1 : 0);
      },
    });
    if (store.size === undefined) return;
    new Gauge({
      name: "oms_graph_idempotency_entries",
      help: "Records in the in-memory idempotency store (running and finished requests' keys).",
      registers: [this.registry],
      collect() {
        this.set(store.size ?? 0);
      },
    });
    new Gauge({
      name: "oms_graph_idempotency_stored_bytes",
      help: "Bytes of answers kept by the in-memory idempotency store (at most IDEMPOTENCY_MAX_BYTES).",
      registers: [this.registry],
      collect() {
        this.set(store.storedBytes ?? 0);
      },
    });
  }

  /**
   * Reports at every scrape what this replica last answered on /health/ready: what its load balancer
   * sees. A scrape asks nothing of the OMS itself; the load balancer's checks do.
   * @returns what the readiness endpoint tells each answer to
   */
  watchReadiness(draining: () => boolean): (ready: boolean) => void {
    let lastReady = true;
    new Gauge({
      name: "oms_graph_ready",
      help: "1 while /health/ready last answered 200 (or was not asked yet), 0 after it answered 503 (the OMS unreachable, the breaker not closed) and while draining.",
      registers: [this.registry],
      collect() {
        this.set(!draining() && lastReady ? 1 : 0);
      },
    });
    return (ready) => {
      lastReady = ready;
    };
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

  readonly graphqlErrors = new Counter({
    name: "oms_graph_graphql_errors_total",
    help: "Top-level GraphQL errors answered, by code (OMS_UNAVAILABLE, OMS_OUTCOME_UNKNOWN, UNAUTHENTICATED, ...): most arrive in an HTTP 200, where the request metrics cannot see them.",
    labelNames: ["code"] as const,
    registers: [this.registry],
  });

  private readonly graphqlErrorsBy = childrenBy((...values) => this.graphqlErrors.labels(...values));

  readonly idempotencyLookups = new Counter({
    name: "oms_graph_idempotency_lookups_total",
    help: "Mutations sent with an Idempotency-Key, by whether the store had the key: hit (replayed, refused as a conflict, or recovered after an interrupted run) or miss (a new key).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  readonly idempotencyReplays = new Counter({
    name: "oms_graph_idempotency_replays_total",
    help: "Answers replayed from the idempotency store, without running the request again.",
    registers: [this.registry],
  });

  readonly idempotencyConflicts = new Counter({
    name: "oms_graph_idempotency_conflicts_total",
    help: "Keys refused: reused for another request (422), or still in progress (409).",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });

  readonly idempotencyStoreErrors = new Counter({
    name: "oms_graph_idempotency_store_errors_total",
    help: "Idempotency store failures: before_run (the request was refused, 503) or after_run (it ran but its answer was not kept).",
    labelNames: ["stage"] as const,
    registers: [this.registry],
  });

  /** Counts one top-level error of an answer; codes outside the safe pattern are folded. */
  recordGraphQLError(code: string): void {
    this.graphqlErrorsBy(SAFE_CODE.test(code) ? code : "other").inc();
  }

  recordResult(mutation: string, result: string, code: string | null): void {
    this.resultsBy(mutation, result, codeLabel(result, code)).inc();
  }

  observeHttpRequest(endpoint: string, operation: string, status: number, seconds: number): void {
    this.httpRequestsBy(endpoint, operation, String(status)).observe(seconds);
  }
}

// Private: the gateway's own codes are a fixed set; CommandRejected carries whatever the OMS said.
function codeLabel(result: string, code: string | null): string {
  if (code === null) return "";
  if (result === "CommandRejected") return REJECTION_CODES.has(code) ? code : "other";
  return SAFE_CODE.test(code) ? code : "other";
}
