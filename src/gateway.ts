/**
 * The composition root: the one place that builds the gateway's parts from the configuration and
 * wires them together. The OMS adapter behind its breaker, what every request shares, the
 * idempotency store, the GraphQL servers and the endpoints the router serves. Nothing listens here.
 */
import type { ApolloServer } from "@apollo/server";
import type { Config } from "./config.js";
import { CargoCompanyCatalogue } from "./domain/cargo-company-catalogue.js";
import { Limiter } from "./domain/limiter.js";
import { TrackingUrls } from "./domain/tracking-urls.js";
import { createApollo } from "./graphql/apollo.js";
import type { AppServices, GatewayContext } from "./graphql/context.js";
import { DocumentGuard } from "./graphql/document-guard.js";
import type { JitOptions } from "./graphql/jit-executor.js";
import { publicSchema } from "./graphql/schema.js";
import { subgraphSchema } from "./graphql/subgraph.js";
import { createCallerAuth, createSecretCheck } from "./http/caller.js";
import { type Endpoint, publicEndpoint, subgraphEndpoint } from "./http/endpoints.js";
import { createGraphQLHandler } from "./http/graphql-handler.js";
import { createMetricsHandler, type MetricsHandler } from "./http/metrics-endpoint.js";
import { MemoryIdempotencyStore } from "./idempotency/memory-store.js";
import type { IdempotencyStore } from "./idempotency/store.js";
import { createLogger, type Logger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { readCargoCompanyFile } from "./oms/cargo-company-file.js";
import { OmsHttp, type OmsTransport } from "./oms/http.js";
import { OmsClient } from "./oms/oms-client.js";
import { ResilientOms } from "./oms/resilience.js";
import { omsCallCounter } from "./oms/telemetry.js";
import { createReadiness, type Readiness } from "./readiness.js";
import { startTracing } from "./tracing.js";

export interface GatewayDeps {
  log?: Logger;
  /** When graphql-jit compiles an operation; tests compile at once. */
  jit?: JitOptions;
}

/** The built gateway, ready to be routed to: its endpoints and what must be released at the end. */
export interface GatewayParts {
  log: Logger;
  omsHttp: OmsHttp;
  app: AppServices;
  graphql: Endpoint;
  /** null when the subgraph is off (SUBGRAPH_ENABLED). */
  subgraph: Endpoint | null;
  readiness: () => Promise<Readiness>;
  metrics: MetricsHandler;
  /**
   * Stops the GraphQL servers, then closes the idempotency store and the OMS connections, and sends
   * the last spans.
   */
  close(): Promise<void>;
}

export async function composeGateway(config: Config, deps: GatewayDeps = {}): Promise<GatewayParts> {
  const log = deps.log ?? createLogger(config.logLevel);
  const { omsHttp, oms } = createOms(config, log);
  const app = createServices(config, oms, log);
  app.metrics.watchBreaker(oms);
  const idempotencyStore = await createIdempotencyStore(config.idempotency, log);
  app.metrics.watchIdempotencyStore(idempotencyStore);
  const apis = await createApis(config, app, idempotencyStore, deps.jit);
  // Last: nothing runs before the server listens, and nothing started earlier fails after it.
  const tracing = await startTracing(config.tracing, log);
  return {
    log,
    omsHttp,
    app,
    graphql: publicEndpoint(apis.publicHandler, {
      corsOrigins: config.corsOrigins,
      production: config.production,
      callerCheck: createCallerAuth(config.apiKeys, config.jwt),
    }),
    subgraph:
      apis.subgraphHandler && subgraphEndpoint(apis.subgraphHandler, createSecretCheck(config.routerSecret)),
    readiness: createReadiness({ http: omsHttp, oms, idempotencyStore }),
    metrics: createMetricsHandler(app.metrics, config.metrics.token),
    async close() {
      for (const api of apis.servers) await api.stop();
      await idempotencyStore.close();
      await omsHttp.close();
      await tracing?.shutdown();
    },
  };
}

// Private: the plain transport (readiness asks it when the OMS last answered well) and the same
// transport behind the breaker, which everything else uses.
function createOms(config: Config, log: Logger): { omsHttp: OmsHttp; oms: ResilientOms } {
  if (config.oms.baseUrl === null)
    throw new Error("createServer needs an OMS base URL (start the simulator first).");
  const omsHttp = new OmsHttp({
    baseUrl: config.oms.baseUrl,
    authorization: `${config.oms.authScheme} ${config.oms.token}`,
    timeoutMs: config.oms.timeoutMs,
    maxConnections: config.oms.maxConnections,
  });
  const oms = new ResilientOms(omsHttp, {
    breakerThreshold: config.oms.breakerThreshold,
    halfOpenAfterMs: config.oms.breakerHalfOpenMs,
    readAttempts: config.oms.readAttempts,
    log,
    onStateChange: (state) =>
      state === "open"
        ? log.warn({ breaker: state }, "OMS circuit breaker opened: failing fast until a probe succeeds")
        : log.info({ breaker: state }, "OMS circuit breaker state changed"),
  });
  return { omsHttp, oms };
}

/** What lives as long as the process and every request shares. */
function createServices(config: Config, transport: OmsTransport, log: Logger): AppServices {
  const oms = new OmsClient(transport, {
    statusMap: config.oms.statusMap,
    cargoCompaniesPath: config.oms.cargoCompaniesPath,
    packageIdsParam: config.oms.packageIdsParam,
    packageFilterParams: config.oms.packageFilterParams,
  });
  const file = config.cargoCompanies.file;
  const fileCompanies = file === null ? null : readCargoCompanyFile(file);
  const metrics = new Metrics();
  const bulkLimiter = new Limiter(config.bulk.concurrency);
  metrics.watchBulkLimiter(bulkLimiter);
  return {
    oms,
    transitions: config.oms.transitions,
    catalogue: new CargoCompanyCatalogue(
      fileCompanies === null ? (options) => oms.listCargoCompanies(options) : async () => fileCompanies,
      {
        ttlMs: config.cargoCompanies.ttlMs,
        maxStaleMs: config.cargoCompanies.maxStaleMs,
        onLookup: (result) => metrics.cargoCompanyLookups.inc({ result }),
        onStaleServed: (err, ageMs) =>
          log.warn({ err, ageMs }, "cargo company refresh failed; serving the last good list"),
      },
    ),
    trackingUrls: new TrackingUrls(config.trackingUrls),
    bulkLimiter,
    bulkMaxItems: config.bulk.maxItems,
    clockSkewMs: config.oms.clockSkewMs,
    bulkDeadlineMs: config.bulk.deadlineMs,
    metrics,
    countOmsCall: omsCallCounter(metrics.registry),
    log,
  };
}

// Private: the Redis client is loaded only when configured, which keeps start-up short without it.
async function createIdempotencyStore(config: Config["idempotency"], log: Logger): Promise<IdempotencyStore> {
  if (config.redisUrl === null) {
    return new MemoryIdempotencyStore({ maxEntries: config.maxEntries, maxBytes: config.maxBytes });
  }
  const { RedisIdempotencyStore } = await import("./idempotency/redis-store.js");
  const store = new RedisIdempotencyStore(config.redisUrl, { timeoutMs: 2_000 });
  // Waiting here means the first keyed mutation after start-up finds Redis ready. If it is down,
  // the gateway still starts (not ready) and the client keeps reconnecting.
  await store.connect().catch((err: unknown) => log.error({ err }, "Redis (REDIS_URL) is unreachable"));
  return store;
}

// Private: one Apollo Server per schema, started, each behind its own GraphQL handler.
async function createApis(config: Config, app: AppServices, store: IdempotencyStore, jit?: JitOptions) {
  const idempotency = {
    store,
    ttlMs: config.idempotency.ttlMs,
    // Twice the OMS deadline: a live holder renews long before; a dead one is taken over soon.
    leaseMs: config.oms.timeoutMs * 2,
    // A replay waits about as long as the first request could take, but answers before a
    // federation router's 30 s timeout would.
    waitMs: Math.min(config.oms.timeoutMs * 2, 25_000),
  };
  const servers: ApolloServer<GatewayContext>[] = [];
  type ApolloParts = Parameters<typeof createApollo>[0];
  // A landing page on /graphql only; /subgraph answers a router's request for field traces instead.
  const handlerOf = async (schema: ApolloParts["schema"], landingPage: ApolloParts["landingPage"]) => {
    // One per schema: the same text may be valid on /subgraph and not on /graphql.
    const documents = new DocumentGuard(config.limits, (check, result) =>
      app.metrics.documentChecks.inc({ check, result }),
    );
    const api = createApollo({
      production: config.production,
      maxMutationFields: config.maxMutationFields,
      limits: config.limits,
      log: app.log,
      jit: config.graphqlJit ? (jit ?? {}) : null,
      schema,
      landingPage,
      inlineTrace: landingPage === null,
      documents,
    });
    await api.start();
    servers.push(api);
    return createGraphQLHandler(api, app, { maxBodyBytes: config.maxBodyBytes, idempotency, documents });
  };
  const callersMustAuthenticate = config.apiKeys.length > 0 || config.jwt !== null;
  const publicHandler = await handlerOf(publicSchema(), { callersMustAuthenticate });
  const subgraphHandler = config.subgraph.enabled
    ? await handlerOf(subgraphSchema(config.subgraph.maxEntityRepresentations), null)
    : null;
  return { publicHandler, subgraphHandler, servers };
}
