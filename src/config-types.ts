/**
 * The shape of the gateway's configuration, as `loadConfig` (config.ts) returns it, frozen.
 */
import type { PackageFilterParams } from "./config-rules.js";
import type { TracingConfig } from "./config-tracing.js";
import type { PackageStatus } from "./domain/package.js";
import type { TransitionConfig } from "./domain/shipment.js";
import type { TrackingUrlOverrides } from "./domain/tracking-urls.js";
import type { QueryLimits } from "./graphql/limits.js";

export type NodeEnv = "development" | "production" | "test";

export interface OmsConfig {
  /** null: run the embedded simulator. */
  baseUrl: string | null;
  token: string;
  authScheme: string;
  transitions: TransitionConfig;
  /** Extra or overriding `enum_value → status` pairs. */
  statusMap: ReadonlyMap<string, PackageStatus>;
  cargoCompaniesPath: string;
  /** The package list's multiple-id filter, used to batch package reads; null: one read per id. */
  packageIdsParam: string | null;
  /** The package list's query parameter per filter field; null: that filter is refused. */
  packageFilterParams: PackageFilterParams;
  timeoutMs: number;
  maxConnections: number;
  /** Consecutive transport failures that open the circuit breaker. */
  breakerThreshold: number;
  breakerHalfOpenMs: number;
  /** Tries of one read, within its deadline. */
  readAttempts: number;
  /** How far the OMS's clock may lag ours when a verification compares change times. */
  clockSkewMs: number;
}

export interface Config {
  nodeEnv: NodeEnv;
  production: boolean;
  host: string;
  port: number;
  oms: OmsConfig;
  apiKeys: readonly string[];
  /** Callers may also present a JWT verified against this key set. */
  jwt: JwtConfig | null;
  routerSecret: string | null;
  corsOrigins: readonly string[];
  logLevel: string;
  maxBodyBytes: number;
  /** Incoming HTTP: open connections at once, and how long a request's headers and whole body may take. */
  http: {
    maxConnections: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
  };
  metrics: {
    /** Required as `Authorization: Bearer <token>` on /metrics when set. */
    token: string | null;
    /** Serve /metrics on this port only (0: any free port) instead of the API port. */
    port: number | null;
  };
  /** How long SIGTERM waits for requests in flight before closing their connections. */
  shutdownGraceMs: number;
  cargoCompanies: {
    ttlMs: number;
    maxStaleMs: number;
    /** A JSON catalogue used instead of the OMS list. */
    file: string | null;
  };
  /** CARRIER_TRACKING_URLS: templates replacing or adding to the defaults, by code or company id. */
  trackingUrls: TrackingUrlOverrides;
  subgraph: {
    enabled: boolean;
    maxEntityRepresentations: number;
  };
  bulk: {
    maxItems: number;
    /** Bulk commands in flight at once, for the whole process. */
    concurrency: number;
    /** Overall deadline of one bulk call: items not sent by then are answered DEADLINE_EXCEEDED. */
    deadlineMs: number;
  };
  /** Mutation root fields one operation may hold: bulk work goes through the list mutation. */
  maxMutationFields: number;
  /** Operations that recur run on graphql-jit (GRAPHQL_JIT); off: graphql-js's execute, as Apollo does. */
  graphqlJit: boolean;
  /** What one GraphQL document may ask for (MAX_TOKENS, MAX_FIELDS, ...). */
  limits: QueryLimits;
  idempotency: {
    ttlMs: number;
    /** null: the in-memory store (one replica only). */
    redisUrl: string | null;
    /** Limits of the in-memory store: records, and bytes of stored answers. */
    maxEntries: number;
    maxBytes: number;
  };
  /** OpenTelemetry traces (the standard OTEL_* variables); off unless an exporter is set. */
  tracing: TracingConfig;
}

export interface JwtConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
  algorithms: readonly string[];
}
