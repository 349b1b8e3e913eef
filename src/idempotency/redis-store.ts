import { Redis } from "ioredis";
import {
  decide,
  type IdempotencyRecord,
  type IdempotencyStore,
  type Reservation,
  type StoredResponse,
} from "./store.js";

const PREFIX = "oms-graph:idempotency:";

/**
 * Idempotency records in Redis, shared by every gateway replica. `SET NX` makes the reservation
 * atomic: of two replicas receiving the same key at once, exactly one runs the request.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis;

  constructor(url: string, options: { timeoutMs: number }) {
    this.redis = new Redis(url, {
      // Fail fast when Redis is away: the request is refused rather than run unprotected.
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: options.timeoutMs,
      commandTimeout: options.timeoutMs,
      // Connected explicitly by `connect`, so start-up can wait for it before taking requests.
      lazyConnect: true,
    });
    // Connection errors surface through the commands that fail; the client's own event would
    // otherwise be an unhandled 'error'. It keeps reconnecting in the background.
    this.redis.on("error", () => {});
  }

  /** Resolves once connected and ready for commands; rejects when Redis cannot be reached. */
  async connect(): Promise<void> {
    await this.redis.connect();
  }

  /** False while Redis is unreachable: keyed mutations are refused then, and readiness says so. */
  get healthy(): boolean {
    return this.redis.status === "ready";
  }

  async reserve(key: string, fingerprint: string, ttlMs: number): Promise<Reservation> {
    const fresh: IdempotencyRecord = { fingerprint, response: null };
    // Two tries: the record found by the failed SET NX may expire before the GET reads it.
    for (let attempt = 0; attempt < 2; attempt++) {
      const set = await this.redis.set(PREFIX + key, JSON.stringify(fresh), "PX", ttlMs, "NX");
      if (set === "OK") return { kind: "acquired" };
      const existing = await this.redis.get(PREFIX + key);
      if (existing !== null) return decide(JSON.parse(existing) as IdempotencyRecord, fingerprint);
    }
    throw new Error("The idempotency record changed twice while it was being read.");
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void> {
    const record: IdempotencyRecord = { fingerprint, response };
    await this.redis.set(PREFIX + key, JSON.stringify(record), "PX", ttlMs);
  }

  async release(key: string): Promise<void> {
    await this.redis.del(PREFIX + key);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
