/**
 * What lives as long as the process and every request shares: the OMS client behind its breaker,
 * the cargo company catalogue, the bulk limiter, metrics and the idempotency store.
 */
import type { Config } from "./config.js";
import type { AppServices } from "./context.js";
import { CargoCompanyCatalogue } from "./domain/cargo-company-catalogue.js";
import { Limiter } from "./domain/limiter.js";
import { MemoryIdempotencyStore } from "./idempotency/memory-store.js";
import type { IdempotencyStore } from "./idempotency/store.js";
import type { Logger } from "./logger.js";
import { Metrics } from "./metrics.js";
import { readCargoCompanyFile } from "./oms/cargo-company-file.js";
import type { OmsTransport } from "./oms/http.js";
import { OmsClient } from "./oms/oms-client.js";

// Private: the Redis client is loaded only when configured, which keeps start-up short without it.
export async function createIdempotencyStore(
  config: Config["idempotency"],
  log: Logger,
): Promise<IdempotencyStore> {
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

/** What lives as long as the process and every request shares. */
export function createServices(config: Config, transport: OmsTransport, log: Logger): AppServices {
  const oms = new OmsClient(transport, {
    statusMap: config.oms.statusMap,
    cargoCompaniesPath: config.oms.cargoCompaniesPath,
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
    bulkLimiter,
    bulkMaxItems: config.bulk.maxItems,
    clockSkewMs: config.oms.clockSkewMs,
    bulkDeadlineMs: config.bulk.deadlineMs,
    metrics,
    log,
  };
}
