/**
 * Where idempotency records live: in memory for one replica, in Redis when several replicas
 * behind a load balancer must agree. A record is reserved before the request runs, so a replay
 * that arrives while the first request is still running can tell.
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
  /** The same request finished before: answer with its response. */
  | { kind: "replay"; response: StoredResponse }
  /** The key was used for a different request. */
  | { kind: "mismatch" }
  /** The same request is still running elsewhere. */
  | { kind: "inProgress" };

export interface IdempotencyStore {
  /**
   * @param key the caller-scoped key (already hashed; never the caller's raw key)
   * @param fingerprint identifies the request (document, operation name, variables)
   */
  reserve(key: string, fingerprint: string, ttlMs: number): Promise<Reservation>;
  complete(key: string, fingerprint: string, response: StoredResponse, ttlMs: number): Promise<void>;
  /** Forgets a reservation whose request changed nothing, so the caller may try again with the same key. */
  release(key: string): Promise<void>;
  close(): Promise<void>;
  /** False while the store cannot be used (Redis unreachable); the memory store is always healthy. */
  readonly healthy: boolean;
}

/** What both stores keep per key. */
export interface IdempotencyRecord {
  fingerprint: string;
  response: StoredResponse | null;
}

export function decide(record: IdempotencyRecord, fingerprint: string): Reservation {
  if (record.fingerprint !== fingerprint) return { kind: "mismatch" };
  return record.response === null ? { kind: "inProgress" } : { kind: "replay", response: record.response };
}
