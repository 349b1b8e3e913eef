import { Redis } from "ioredis";
import type { IdempotencyStore, Reservation, ReserveOptions, StoredResponse } from "./store.js";

const PREFIX = "oms-graph:idempotency:";

// Each record is a hash: fingerprint, startedAt, leaseUntil, holder, and response once finished.
// The scripts run atomically in Redis, so of two replicas reserving or taking over the same key at
// once exactly one gets it. Times come from the gateway (epoch ms as text), the same clock that
// decides when a lease lapses. `decide` in store.ts states the same rules for the memory store.
const RESERVE = `
local f = redis.call('HMGET', KEYS[1], 'fingerprint', 'response', 'startedAt', 'leaseUntil')
if not f[1] then
  redis.call('HSET', KEYS[1], 'fingerprint', ARGV[1], 'startedAt', ARGV[2], 'leaseUntil', ARGV[3], 'holder', ARGV[4])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return {'acquired'}
end
if f[1] ~= ARGV[1] then return {'mismatch'} end
if f[2] then return {'replay', f[2]} end
if tonumber(f[4]) > tonumber(ARGV[2]) then return {'inProgress'} end
redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[3], 'holder', ARGV[4])
return {'recover', f[3]}
`;

const RENEW = `
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] and redis.call('HEXISTS', KEYS[1], 'response') == 0 then
  redis.call('HSET', KEYS[1], 'leaseUntil', ARGV[2])
  return 1
end
return 0
`;

const RELEASE = `
if redis.call('HGET', KEYS[1], 'holder') == ARGV[1] and redis.call('HEXISTS', KEYS[1], 'response') == 0 then
  return redis.call('DEL', KEYS[1])
end
return 0
`;

/**
 * Idempotency records in Redis, shared by every gateway replica and surviving gateway restarts.
 */
export class RedisIdempotencyStore implements IdempotencyStore {
  private readonly redis: Redis;

  constructor(url: string, options: { timeoutMs: number }) {
    this.redis = new Redis(url, {
      // Fail fast when Redis is away: a keyed request is refused before it runs rather than run unprotected.
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

  async reserve(key: string, fingerprint: string, options: ReserveOptions): Promise<Reservation> {
    const answer = (await this.redis.eval(
      RESERVE,
      1,
      PREFIX + key,
      fingerprint,
      String(options.now),
      String(options.now + options.leaseMs),
      options.holder,
      String(options.ttlMs),
    )) as [string, string?];
    switch (answer[0]) {
      case "acquired":
      case "mismatch":
      case "inProgress":
        return { kind: answer[0] };
      case "replay":
        return { kind: "replay", response: JSON.parse(String(answer[1])) as StoredResponse };
      case "recover":
        return { kind: "recover", since: Number(answer[1]) };
      default:
        throw new Error(`Unexpected answer from the idempotency store: ${String(answer[0])}`);
    }
  }

  async renew(key: string, holder: string, leaseUntil: number): Promise<boolean> {
    return (await this.redis.eval(RENEW, 1, PREFIX + key, holder, String(leaseUntil))) === 1;
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void> {
    const results = await this.redis
      .multi()
      .hset(PREFIX + key, "fingerprint", fingerprint, "response", JSON.stringify(response))
      .pexpire(PREFIX + key, ttlMs)
      .exec();
    const failed =
      results === null ? new Error("The idempotency record was not written.") : results.find(([e]) => e)?.[0];
    if (failed) throw failed;
  }

  async release(key: string, holder: string): Promise<void> {
    await this.redis.eval(RELEASE, 1, PREFIX + key, holder);
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
