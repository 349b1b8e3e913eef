import {
  decide,
  type IdempotencyRecord,
  type IdempotencyStore,
  type Reservation,
  type StoredResponse,
} from "./store.js";

const SWEEP_INTERVAL_MS = 60_000;

/** Idempotency records in this process's memory: right for a single replica and for development. */
export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records = new Map<string, IdempotencyRecord & { expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;
  readonly healthy = true;

  constructor(private readonly now: () => number = Date.now) {
    // Expired records are also skipped on read; the sweep only keeps memory from growing.
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS).unref();
  }

  async reserve(key: string, fingerprint: string, ttlMs: number): Promise<Reservation> {
    const record = this.live(key);
    if (record) return decide(record, fingerprint);
    this.records.set(key, { fingerprint, response: null, expiresAt: this.now() + ttlMs });
    return { kind: "acquired" };
  }

  async complete(key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void> {
    this.records.set(key, { fingerprint, response, expiresAt: this.now() + ttlMs });
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }

  get size(): number {
    return this.records.size;
  }

  private live(key: string): IdempotencyRecord | undefined {
    const record = this.records.get(key);
    if (record && record.expiresAt <= this.now()) {
      this.records.delete(key);
      return undefined;
    }
    return record;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, record] of this.records) if (record.expiresAt <= now) this.records.delete(key);
  }
}
