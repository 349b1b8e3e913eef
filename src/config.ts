/**
 * The only reader of the environment. Every variable is parsed and validated here, every problem is
 * collected, and start-up is refused with the whole list rather than the first mistake.
 */

import { deepFreeze, type Env, Parser, pairs, withoutCredentials } from "./config-values.js";
import { PACKAGE_STATUSES, type PackageStatus } from "./domain/package.js";
import type { TransitionConfig } from "./domain/shipment.js";

export type { TransitionConfig };

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
  limits: {
    maxTokens: number;
    maxFields: number;
    maxSelections: number;
    maxDepth: number;
    maxAliases: number;
    maxDirectives: number;
    maxCost: number;
  };
  idempotency: {
    ttlMs: number;
    /** null: the in-memory store (one replica only). */
    redisUrl: string | null;
    /** Limits of the in-memory store: records, and bytes of stored answers. */
    maxEntries: number;
    maxBytes: number;
  };
}

export interface JwtConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
  algorithms: readonly string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** The demo token and transitions of the embedded simulator (see the contract's demo data). */
export const SIMULATOR_TOKEN = "demo-oms-token";
export const SIMULATOR_TRANSITIONS = "packed:41,shipped:42,delivered:43,attempted_delivery:44";
const DEFAULT_CARGO_COMPANIES_PATH = "/api/v1/oms/cargo_companies/";
const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

/**
 * Parses `env` (process.env in production, a literal in tests) into a frozen Config.
 * @throws ConfigError listing every invalid or missing value.
 */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const p = new Parser(env, problems);

  const nodeEnv = p.oneOf("NODE_ENV", ["development", "production", "test"], "development") as NodeEnv;
  const production = nodeEnv === "production";
  const baseUrl = p.baseUrl("OMS_BASE_URL");
  const token = env.OMS_API_TOKEN?.trim() ?? "";
  if (baseUrl !== null && token === "") problems.push("OMS_API_TOKEN is required when OMS_BASE_URL is set.");
  if (baseUrl === null && production) {
    problems.push("OMS_BASE_URL is required in production (the embedded simulator is for development only).");
  }
  const apiKeys = p.list("API_KEYS");
  const jwt = parseJwt(env, p, problems);
  if (production && apiKeys.length === 0 && jwt === null) {
    problems.push("API_KEYS or JWT_JWKS_URL is required in production: /graphql must check its callers.");
  }
  const subgraphEnabled = p.bool("SUBGRAPH_ENABLED", true);
  const routerSecret = env.ROUTER_SECRET?.trim() || null;
  if (production && subgraphEnabled && routerSecret === null) {
    problems.push(
      "ROUTER_SECRET is required in production while the subgraph is enabled (or set SUBGRAPH_ENABLED=false).",
    );
  }
  const metricsToken = env.METRICS_TOKEN?.trim() || null;
  if (production) problems.push(...shortSecrets(apiKeys, routerSecret, metricsToken));
  const port = p.int("PORT", 4000, 0, 65535);
  const metricsPort = p.raw("METRICS_PORT") === undefined ? null : p.int("METRICS_PORT", 0, 0, 65535);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) {
    problems.push(
      `METRICS_PORT must differ from PORT (both are ${port}); leave it unset to serve /metrics on PORT.`,
    );
  }
  const bulkMaxItems = p.int("BULK_MAX_ITEMS", 500, 1, 10_000);
  const headersTimeoutMs = p.int("HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000);
  const requestTimeoutMs = p.int("HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000);
  if (requestTimeoutMs < headersTimeoutMs) {
    problems.push(
      `HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must not be shorter than HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}).`,
    );
  }
  const transitionsRaw =
    env.OMS_SHIPMENT_TRANSITIONS?.trim() || (baseUrl === null ? SIMULATOR_TRANSITIONS : "");

  const config: Config = {
    nodeEnv,
    production,
    host: env.HOST?.trim() || "127.0.0.1",
    port,
    oms: {
      baseUrl,
      token: baseUrl === null ? SIMULATOR_TOKEN : token,
      authScheme: p.word("OMS_AUTH_SCHEME", "Token"),
      transitions: parseTransitions(transitionsRaw, problems),
      statusMap: parseStatusMap(env.OMS_STATUS_MAP ?? "", problems),
      cargoCompaniesPath: p.path("OMS_CARGO_COMPANIES_PATH", DEFAULT_CARGO_COMPANIES_PATH),
      // Shorter than a federation router's default 30 s, so the router never times out before we answer.
      timeoutMs: p.int("OMS_TIMEOUT_MS", 10_000, 50, 29_000),
      maxConnections: p.int("OMS_MAX_CONNECTIONS", 32, 1, 1024),
      breakerThreshold: p.int("OMS_BREAKER_THRESHOLD", 5, 1, 1000),
      breakerHalfOpenMs: p.int("OMS_BREAKER_HALF_OPEN_MS", 5_000, 100, 600_000),
      readAttempts: p.int("OMS_READ_ATTEMPTS", 3, 1, 10),
      clockSkewMs: p.int("OMS_CLOCK_SKEW_MS", 2_000, 0, 60_000),
    },
    apiKeys,
    routerSecret,
    jwt,
    corsOrigins: p.origins("CORS_ORIGINS"),
    logLevel: p.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    maxBodyBytes: p.int("MAX_BODY_BYTES", defaultMaxBodyBytes(bulkMaxItems), 1_000, 50_000_000),
    http: {
      maxConnections: p.int("MAX_CONNECTIONS", 1_000, 1, 1_000_000),
      headersTimeoutMs,
      requestTimeoutMs,
    },
    metrics: { token: metricsToken, port: metricsPort },
    shutdownGraceMs: p.int("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    cargoCompanies: {
      ttlMs: p.int("CARGO_COMPANIES_TTL_SECONDS", 300, 0, 86_400) * 1000,
      maxStaleMs: p.int("CARGO_COMPANIES_MAX_STALE_SECONDS", 3600, 0, 604_800) * 1000,
      file: env.CARGO_COMPANIES_FILE?.trim() || null,
    },
    subgraph: {
      enabled: subgraphEnabled,
      maxEntityRepresentations: p.int("MAX_ENTITY_REPRESENTATIONS", 1000, 1, 100_000),
    },
    bulk: {
      maxItems: bulkMaxItems,
      concurrency: p.int("BULK_CONCURRENCY", 8, 1, 256),
      // Below a federation router's default 30 s, with room to write a 500-item answer.
      deadlineMs: p.int("BULK_DEADLINE_MS", 20_000, 50, 29_000),
    },
    maxMutationFields: p.int("MAX_MUTATION_FIELDS", 1, 1, 100),
    limits: {
      maxTokens: p.int("MAX_TOKENS", 5_000, 100, 1_000_000),
      maxFields: p.int("MAX_FIELDS", 1_000, 1, 1_000_000),
      maxSelections: p.int("MAX_SELECTIONS", 128, 1, 100_000),
      maxDepth: p.int("MAX_DEPTH", 12, 2, 100),
      maxAliases: p.int("MAX_ALIASES", 100, 0, 10_000),
      maxDirectives: p.int("MAX_DIRECTIVES", 20, 0, 1_000),
      maxCost: p.int("MAX_COST", 20_000, 10, 10_000_000),
    },
    idempotency: {
      ttlMs: p.int("IDEMPOTENCY_TTL_SECONDS", 86_400, 1, 30 * 86_400) * 1000,
      redisUrl: p.redisUrl("REDIS_URL"),
      maxEntries: p.int("IDEMPOTENCY_MAX_ENTRIES", 10_000, 1, 10_000_000),
      maxBytes: p.int("IDEMPOTENCY_MAX_BYTES", 32 * 1024 * 1024, 1024, 8 * 1024 * 1024 * 1024),
    },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/**
 * Room for one bulk input at the longest values the input rules allow (two 64-character strings,
 * even when a client escapes every non-ASCII character as JSON `\uXXXX`, as Python's json does by
 * default), and for the document, so the largest valid bulk call is never refused as too large.
 */
export const BODY_BYTES_PER_BULK_ITEM = 2_048;
export const BODY_BYTES_FOR_DOCUMENT = 64_000;

/** MAX_BODY_BYTES when unset: about 1 MB with the default BULK_MAX_ITEMS of 500. */
export function defaultMaxBodyBytes(bulkMaxItems: number): number {
  return BODY_BYTES_FOR_DOCUMENT + bulkMaxItems * BODY_BYTES_PER_BULK_ITEM;
}

/** The shortest secret production accepts: guessable secrets guard the company's OMS key. */
export const MIN_SECRET_LENGTH = 16;

// Private: says which entry is short and how long it is, never what it holds.
function shortSecrets(
  apiKeys: readonly string[],
  routerSecret: string | null,
  metricsToken: string | null,
): string[] {
  const problems: string[] = [];
  apiKeys.forEach((key, i) => {
    if (key.length < MIN_SECRET_LENGTH) {
      problems.push(
        `API_KEYS: entry ${i + 1} of ${apiKeys.length} has ${key.length} characters; production needs at least ${MIN_SECRET_LENGTH}.`,
      );
    }
  });
  if (routerSecret !== null && routerSecret.length < MIN_SECRET_LENGTH) {
    problems.push(
      `ROUTER_SECRET has ${routerSecret.length} characters; production needs at least ${MIN_SECRET_LENGTH}.`,
    );
  }
  if (metricsToken !== null && metricsToken.length < MIN_SECRET_LENGTH) {
    problems.push(
      `METRICS_TOKEN has ${metricsToken.length} characters; production needs at least ${MIN_SECRET_LENGTH}.`,
    );
  }
  return problems;
}

const JWT_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
];

// Private: JWTs are optional, but once a key set is named, issuer and audience must be pinned too,
// and only asymmetric algorithms are accepted (a shared secret would have to live in every caller).
function parseJwt(env: Env, p: Parser, problems: string[]): JwtConfig | null {
  const jwksUrl = env.JWT_JWKS_URL?.trim();
  if (!jwksUrl) return null;
  if (!URL.canParse(jwksUrl) || !["https:", "http:"].includes(new URL(jwksUrl).protocol)) {
    problems.push(
      `JWT_JWKS_URL must be an http(s) URL of a JSON Web Key Set, got "${withoutCredentials(jwksUrl)}".`,
    );
  }
  const issuer = env.JWT_ISSUER?.trim() ?? "";
  const audience = env.JWT_AUDIENCE?.trim() ?? "";
  if (issuer === "") problems.push("JWT_ISSUER is required with JWT_JWKS_URL.");
  if (audience === "") problems.push("JWT_AUDIENCE is required with JWT_JWKS_URL.");
  const algorithms = p.list("JWT_ALGORITHMS");
  for (const algorithm of algorithms) {
    if (!JWT_ALGORITHMS.includes(algorithm)) {
      problems.push(`JWT_ALGORITHMS: "${algorithm}" is not one of ${JWT_ALGORITHMS.join(", ")}.`);
    }
  }
  return { jwksUrl, issuer, audience, algorithms: algorithms.length > 0 ? algorithms : ["RS256", "ES256"] };
}

/** `packed:41,shipped:42` or one bare id for every status. Exported for tests. */
export function parseTransitions(raw: string, problems: string[]): TransitionConfig {
  const byStatus = new Map<PackageStatus, number>();
  if (/^\s*\d+\s*$/.test(raw)) {
    const id = Number(raw);
    if (Number.isSafeInteger(id) && id > 0) return { kind: "single", id };
  }
  for (const [key, value] of pairs(raw)) {
    const status = key.toLowerCase() as PackageStatus;
    const id = Number(value);
    if (!PACKAGE_STATUSES.includes(status) || status === "other") {
      problems.push(
        `OMS_SHIPMENT_TRANSITIONS: unknown status "${key}" (expected one of ${knownStatuses()}).`,
      );
    } else if (!/^\d+$/.test(value) || !Number.isSafeInteger(id) || id <= 0) {
      problems.push(
        `OMS_SHIPMENT_TRANSITIONS: transition id for "${key}" must be a positive integer, got "${value}".`,
      );
    } else {
      byStatus.set(status, id);
    }
  }
  return { kind: "perStatus", byStatus };
}

/** `600:shipped,700:delivered`. Exported for tests. */
export function parseStatusMap(raw: string, problems: string[]): Map<string, PackageStatus> {
  const map = new Map<string, PackageStatus>();
  for (const [key, value] of pairs(raw)) {
    const status = value.toLowerCase() as PackageStatus;
    if (!/^\d+$/.test(key)) {
      problems.push(`OMS_STATUS_MAP: "${key}" is not an OMS state number (enum_value).`);
    } else if (!PACKAGE_STATUSES.includes(status) || status === "other") {
      problems.push(
        `OMS_STATUS_MAP: unknown status "${value}" for ${key} (expected one of ${knownStatuses()}).`,
      );
    } else {
      map.set(key, status);
    }
  }
  return map;
}

function knownStatuses(): string {
  return PACKAGE_STATUSES.filter((s) => s !== "other").join(", ");
}
