import {
  decide,
  type IdempotencyRecord,
  type IdempotencyStore,
  type Reservation,
  type ReserveOptions,
  type StoredResponse,
} from "./store.js";

const SWEEP_INTERVAL_MS = 60_000;

export interface MemoryStoreLimits {
  /** Records kept at most (IDEMPOTENCY_MAX_ENTRIES). */
  maxEntries: number;
  /** Bytes of stored answers kept at most (IDEMPOTENCY_MAX_BYTES). */
  maxBytes: number;
}

type Entry = IdempotencyRecord & { expiresAt: number; bytes: number };

/**
 * Idempotency records in this process's memory: right for a single replica and for development.
 * They are lost when the process stops, so a retry after a restart runs again (REDIS_URL keeps them).
 * Bounded by count and by the size of the stored answers: past either limit the oldest finished
 * records go first. Records of requests still running are never dropped (their number is bounded
 * by the requests in flight), so a running request cannot lose its key to newer ones.
 */
export class MemoryIdempotencyStore implements IdempotencyStore {
  // A Map iterates in insertion order; records are re-inserted when they change, so the first ones
  // are the oldest.
  private readonly records = new Map<string, Entry>();
  private bytes = 0;
  private readonly sweeper: NodeJS.Timeout;
  readonly healthy = true;

  constructor(
    private readonly limits: MemoryStoreLimits = { maxEntries: 10_000, maxBytes: 32 * 1024 * 1024 },
    private readonly now: () => number = Date.now,
  ) {
    // Expired records are also skipped on read; the sweep only keeps memory from growing.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async reserve(key: string, fingerprint: string, options: ReserveOptions): Promise<Reservation> {
    const record = this.live(key);
    if (record) {
      const decision = decide(record, fingerprint, options.now);
      if (decision.kind === "recover") {
        record.holder = options.holder;
        record.leaseUntil = options.now + options.leaseMs;
      }
      return decision;
    }
    this.put(key, {
      fingerprint,
      response: null,
      startedAt: options.now,
      leaseUntil: options.now + options.leaseMs,
      holder: options.holder,
      expiresAt: this.now() + options.ttlMs,
      bytes: 0,
    });
    return { kind: "acquired" };
  }

  async renew(key: string, holder: string, leaseUntil: number): Promise<boolean> {
    const record = this.live(key);
    if (!record || record.holder !== holder || record.response !== null) return false;
    record.leaseUntil = leaseUntil;
    return true;
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void> {
    const previous = this.records.get(key);
    this.put(key, {
      fingerprint,
      response,
      startedAt: previous?.startedAt ?? this.now(),
      leaseUntil: 0,
      holder: previous?.holder ?? "",
      expiresAt: this.now() + ttlMs,
      bytes: sizeOf(response),
    });
  }

  async release(key: string, holder: string): Promise<void> {
    const record = this.records.get(key);
    if (record && record.holder === holder && record.response === null) this.remove(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  /** Records held now. */
  get size(): number {
    return this.records.size;
  }

  /** Bytes of stored answers held now. */
  get storedBytes(): number {
    return this.bytes;
  }

  private put(key: string, entry: Entry): void {
    this.remove(key);
    this.records.set(key, entry);
    this.bytes += entry.bytes;
    this.evict();
  }

  private remove(key: string): void {
    const entry = this.records.get(key);
    if (!entry) return;
    this.bytes -= entry.bytes;
    this.records.delete(key);
  }

  // Private: oldest finished records first, until both limits hold again.
  private evict(): void {
    const { maxEntries, maxBytes } = this.limits;
    if (this.records.size <= maxEntries && this.bytes <= maxBytes) return;
    for (const [key, entry] of this.records) {
      if (this.records.size <= maxEntries && this.bytes <= maxBytes) return;
      if (entry.response !== null) this.remove(key);
    }
  }

  private live(key: string): Entry | undefined {
    const record = this.records.get(key);
    if (record && record.expiresAt <= this.now()) {
      this.remove(key);
      return undefined;
    }
    return record;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.remove(key);
  }
}

function sizeOf(response: StoredResponse): number {
  let bytes = Buffer.byteLength(response.body) + response.contentType.length;
  for (const [name, value] of Object.entries(response.headers ?? {})) bytes += name.length + value.length;
  return bytes;
}
