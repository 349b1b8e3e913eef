/**
 * Where idempotency records live: in memory for one replica, in Redis when several replicas
 * behind a load balancer must agree, or when keys must survive a gateway restart.
 *
 * A request holds its key with a short lease while it runs, renewed as long as it runs. A holder
 * that dies (killed, crashed, cut off) stops renewing; once the lease lapses, the next request with
 * the key takes it over as a recovery: it learns from the OMS what the dead run did before sending
 * anything, instead of waiting out the record's whole lifetime or running blind.
 */

/** The response given to the first request with a key, replayed to the ones after it. */
export interface StoredResponse {
  status: number;
  contentType: string;
  body: string;
  /** Other headers of the answer (e.g. Allow on a 405), lower-case names. */
  headers?: Record<string, string>;
}

export type Reservation =
  /** The key is new: run the request, then `complete` or `release`. */
  | { kind: "acquired" }
  /**
   * An earlier holder's lease lapsed before it finished: this caller holds the key now and must
   * verify what the earlier run, begun at `since` (epoch ms), may have done.
   */
  | { kind: "recover"; since: number }
  /** The same request finished before: answer with its response. */
  | { kind: "replay"; response: StoredResponse }
  /** The key was used for a different request. */
  | { kind: "mismatch" }
  /** The same request is still running elsewhere, its lease alive. */
  | { kind: "inProgress" };

export interface ReserveOptions {
  /** Identifies this run; only the holder renews or releases. */
  holder: string;
  leaseMs: number;
  /** How long the record lives once created (and once completed). */
  ttlMs: number;
  /** Epoch ms. */
  now: number;
}

export interface IdempotencyStore {
  /**
   * @param key the caller-scoped key (already hashed; never the caller's raw key)
   * @param fingerprint identifies the request (canonical document, operation name, variables)
   */
  reserve(key: string, fingerprint: string, options: ReserveOptions): Promise<Reservation>;
  /** Extends a running request's lease; false when `holder` no longer holds the key. */
  renew(key: string, holder: string, leaseUntil: number): Promise<boolean>;
  complete(key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void>;
  /** Forgets a reservation whose request changed nothing, so the caller may try again with the same key. */
  release(key: string, holder: string): Promise<void>;
  close(): Promise<void>;
  /** False while the store cannot be used (Redis unreachable); the memory store is always healthy. */
  readonly healthy: boolean;
}

/** What both stores keep per key. */
export interface IdempotencyRecord {
  fingerprint: string;
  response: StoredResponse | null;
  /** When the first run of the request began, epoch ms. */
  startedAt: number;
  /** While it runs: when the holder's lease ends, epoch ms. */
  leaseUntil: number;
  holder: string;
}

/**
 * The decision on an existing record, shared by both stores. A lapsed lease is handed to the
 * caller (the store then records the new holder and lease).
 */
export function decide(record: IdempotencyRecord, fingerprint: string, now: number): Reservation {
  if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
  if (record.response !== null) return { kind: "replay", response: record.response };
  if (record.leaseUntil > now) return { kind: "inProgress" };
  return { kind: "recover", since: record.startedAt };
}
