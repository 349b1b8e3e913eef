/**
 * The only reader of the environment. Every variable is parsed and validated here, every problem is
 * collected, and start-up is refused with the whole list rather than the first mistake.
 */

import {
  defaultMaxBodyBytes,
  parseFilterParams,
  parseIdsParam,
  parseStatusMap,
  parseTrackingUrls,
  parseTransitions,
  shortSecrets,
} from "./config-rules.js";
import { readTracing } from "./config-tracing.js";
import type { Config, JwtConfig, NodeEnv, OmsConfig } from "./config-types.js";
import { deepFreeze, type Env, Parser, withoutCredentials } from "./config-values.js";

export { DEFAULT_PACKAGE_FILTER_PARAMS } from "./config-rules.js";
export type { Config, JwtConfig };

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
  const access = readAccess(env, p, problems, production);
  const { port, metricsPort } = readPorts(p, problems);
  const bulkMaxItems = p.int("BULK_MAX_ITEMS", 500, 1, 10_000);
  const timeouts = readIncomingTimeouts(p, problems);

  const config: Config = {
    nodeEnv,
    production,
    host: env.HOST?.trim() || "127.0.0.1",
    port,
    oms: readOms(env, p, problems, baseUrl, token),
    apiKeys: access.apiKeys,
    routerSecret: access.routerSecret,
    jwt: access.jwt,
    corsOrigins: p.origins("CORS_ORIGINS"),
    logLevel: p.oneOf("LOG_LEVEL", LOG_LEVELS, "info"),
    maxBodyBytes: p.int("MAX_BODY_BYTES", defaultMaxBodyBytes(bulkMaxItems), 1_000, 50_000_000),
    http: { maxConnections: p.int("MAX_CONNECTIONS", 1_000, 1, 1_000_000), ...timeouts },
    metrics: { token: access.metricsToken, port: metricsPort },
    shutdownGraceMs: p.int("SHUTDOWN_GRACE_MS", 10_000, 0, 600_000),
    cargoCompanies: readCargoCompanies(env, p),
    trackingUrls: parseTrackingUrls(env.CARRIER_TRACKING_URLS ?? "", problems),
    subgraph: {
      enabled: access.subgraphEnabled,
      maxEntityRepresentations: p.int("MAX_ENTITY_REPRESENTATIONS", 1000, 1, 100_000),
    },
    bulk: {
      maxItems: bulkMaxItems,
      concurrency: p.int("BULK_CONCURRENCY", 8, 1, 256),
      // Below a federation router's default 30 s, with room to write a 500-item answer.
      deadlineMs: p.int("BULK_DEADLINE_MS", 20_000, 50, 29_000),
    },
    maxMutationFields: p.int("MAX_MUTATION_FIELDS", 1, 1, 100),
    graphqlJit: p.bool("GRAPHQL_JIT", true),
    limits: readLimits(p),
    idempotency: readIdempotency(p),
    tracing: readTracing(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

// Private: who may call the gateway and its subgraph, and read its metrics. Production refuses to
// start without caller checks, or with short secrets.
function readAccess(env: Env, p: Parser, problems: string[], production: boolean) {
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
  return { apiKeys, jwt, subgraphEnabled, routerSecret, metricsToken };
}

function readPorts(p: Parser, problems: string[]): { port: number; metricsPort: number | null } {
  const port = p.int("PORT", 4000, 0, 65535);
  const metricsPort = p.raw("METRICS_PORT") === undefined ? null : p.int("METRICS_PORT", 0, 0, 65535);
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === port) {
    problems.push(
      `METRICS_PORT must differ from PORT (both are ${port}); leave it unset to serve /metrics on PORT.`,
    );
  }
  return { port, metricsPort };
}

function readIncomingTimeouts(p: Parser, problems: string[]) {
  const headersTimeoutMs = p.int("HTTP_HEADERS_TIMEOUT_MS", 10_000, 100, 600_000);
  const requestTimeoutMs = p.int("HTTP_REQUEST_TIMEOUT_MS", 30_000, 100, 600_000);
  if (requestTimeoutMs < headersTimeoutMs) {
    problems.push(
      `HTTP_REQUEST_TIMEOUT_MS (${requestTimeoutMs}) must not be shorter than HTTP_HEADERS_TIMEOUT_MS (${headersTimeoutMs}).`,
    );
  }
  return { headersTimeoutMs, requestTimeoutMs };
}

function readOms(env: Env, p: Parser, problems: string[], baseUrl: string | null, token: string): OmsConfig {
  const transitionsRaw =
    env.OMS_SHIPMENT_TRANSITIONS?.trim() || (baseUrl === null ? SIMULATOR_TRANSITIONS : "");
  return {
    baseUrl,
    token: baseUrl === null ? SIMULATOR_TOKEN : token,
    authScheme: p.word("OMS_AUTH_SCHEME", "Token"),
    transitions: parseTransitions(transitionsRaw, problems),
    statusMap: parseStatusMap(env.OMS_STATUS_MAP ?? "", problems),
    cargoCompaniesPath: p.path("OMS_CARGO_COMPANIES_PATH", DEFAULT_CARGO_COMPANIES_PATH),
    // Unlike other settings, an empty value means something here: no multiple-id filter.
    packageIdsParam: parseIdsParam(env.OMS_PACKAGE_IDS_PARAM, problems),
    packageFilterParams: parseFilterParams(env.OMS_PACKAGE_FILTER_PARAMS ?? "", problems),
    // Shorter than a federation router's default 30 s, so the router never times out before we answer.
    timeoutMs: p.int("OMS_TIMEOUT_MS", 10_000, 50, 29_000),
    maxConnections: p.int("OMS_MAX_CONNECTIONS", 32, 1, 1024),
    breakerThreshold: p.int("OMS_BREAKER_THRESHOLD", 5, 1, 1000),
    breakerHalfOpenMs: p.int("OMS_BREAKER_HALF_OPEN_MS", 5_000, 100, 600_000),
    readAttempts: p.int("OMS_READ_ATTEMPTS", 3, 1, 10),
    clockSkewMs: p.int("OMS_CLOCK_SKEW_MS", 2_000, 0, 60_000),
  };
}

function readCargoCompanies(env: Env, p: Parser): Config["cargoCompanies"] {
  return {
    ttlMs: p.int("CARGO_COMPANIES_TTL_SECONDS", 300, 0, 86_400) * 1000,
    maxStaleMs: p.int("CARGO_COMPANIES_MAX_STALE_SECONDS", 3600, 0, 604_800) * 1000,
    file: env.CARGO_COMPANIES_FILE?.trim() || null,
  };
}

function readIdempotency(p: Parser): Config["idempotency"] {
  return {
    ttlMs: p.int("IDEMPOTENCY_TTL_SECONDS", 86_400, 1, 30 * 86_400) * 1000,
    redisUrl: p.redisUrl("REDIS_URL"),
    maxEntries: p.int("IDEMPOTENCY_MAX_ENTRIES", 10_000, 1, 10_000_000),
    maxBytes: p.int("IDEMPOTENCY_MAX_BYTES", 32 * 1024 * 1024, 1024, 8 * 1024 * 1024 * 1024),
  };
}

function readLimits(p: Parser): Config["limits"] {
  return {
    maxTokens: p.int("MAX_TOKENS", 5_000, 100, 1_000_000),
    maxFields: p.int("MAX_FIELDS", 1_000, 1, 1_000_000),
    maxSelections: p.int("MAX_SELECTIONS", 128, 1, 100_000),
    maxDepth: p.int("MAX_DEPTH", 12, 2, 100),
    maxAliases: p.int("MAX_ALIASES", 100, 0, 10_000),
    maxDirectives: p.int("MAX_DIRECTIVES", 20, 0, 1_000),
    maxCost: p.int("MAX_COST", 20_000, 10, 10_000_000),
  };
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
