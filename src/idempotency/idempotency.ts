/**
 * Idempotency-Key handling for mutations: a request is run at most once per caller and key. The
 * answer is kept when the OMS may have acted on it, and replayed to a retry without touching the
 * OMS; a retry of a request whose run was interrupted verifies before sending anything; the same
 * key with another request, or while the first still runs, is refused with a stable code.
 */
import { createHash, randomUUID } from "node:crypto";
import type { IdempotencyStore, Reservation, StoredResponse } from "./store.js";

/** 1 to 255 visible ASCII characters, as the IETF Idempotency-Key draft suggests for key values. */
const KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;
const POLL_MS = 50;

export interface IdempotencyOptions {
  store: IdempotencyStore;
  /** How long a finished answer is kept (IDEMPOTENCY_TTL_SECONDS). */
  ttlMs: number;
  /** How long a running request holds its key without renewing: about twice the OMS deadline. */
  leaseMs: number;
  /** How long a retry waits for the first request with its key before answering "in progress". */
  waitMs: number;
}

export type IdempotentOutcome =
  /**
   * This request ran. `stored` is false when nothing was kept (it changed nothing: a retry may run
   * again) and `storeError` is set when the answer should have been kept but the store failed.
   */
  | { kind: "fresh"; response: StoredResponse; stored: boolean; storeError?: unknown }
  | { kind: "replayed"; response: StoredResponse }
  | { kind: "invalidKey" | "reused" | "inProgress" };

/** The store could not be asked before the request ran: nothing was run. */
export class IdempotencyStoreError extends Error {
  constructor(cause: unknown) {
    super("The idempotency store is unavailable.", { cause });
    this.name = "IdempotencyStoreError";
  }
}

/** What a request is, as its key stands for it: told by the GraphQL layer, which parsed it. */
export interface RequestIdentity {
  /** The document without insignificant characters. */
  document: string;
  operationName: unknown;
  variables: unknown;
}

export interface IdempotentRun {
  /**
   * Runs the request. `recoverSince` is set when an earlier run with this key was interrupted
   * (epoch ms when it began): the request must verify what that run did before sending.
   */
  run(recoverSince: number | null): Promise<StoredResponse>;
  /** After `run`: whether any command may have changed the OMS or got its verdict. */
  reachedOms(): boolean;
}

/**
 * Runs a request at most once per caller and key.
 * @param scope the verified caller (an API key's id, a JWT subject), never a raw credential
 * @throws IdempotencyStoreError when the store cannot be asked; the request was not run then.
 */
export async function runIdempotent(
  options: IdempotencyOptions,
  scope: string,
  key: string,
  identity: RequestIdentity,
  request: IdempotentRun,
): Promise<IdempotentOutcome> {
  if (!KEY_PATTERN.test(key)) return { kind: "invalidKey" };
  const { store, leaseMs } = options;
  // Keys are stored hashed and scoped: one caller's key can never replay another caller's response.
  const scoped = sha256(`${scope}\u0000${key}`);
  const fingerprint = fingerprintOf(identity);
  const holder = randomUUID();
  const reservation = await reserve(options, scoped, fingerprint, holder);
  if (reservation.kind === "replay") return { kind: "replayed", response: reservation.response };
  if (reservation.kind === "mismatch") return { kind: "reused" };
  if (reservation.kind === "inProgress") return { kind: "inProgress" };

  // Renewed well before it lapses; a renewal that fails (store away) lets it lapse, and a retry
  // then recovers by verifying, which is safe.
  const renewal = setInterval(() => {
    store.renew(scoped, holder, Date.now() + leaseMs).catch(() => undefined);
  }, leaseMs / 3);
  renewal.unref();
  let response: StoredResponse;
  try {
    response = await request.run(reservation.kind === "recover" ? reservation.since : null);
  } catch (error) {
    // A run that failed after reaching the OMS keeps its reservation until the lease lapses: the
    // next retry then verifies instead of sending blind.
    if (!request.reachedOms()) await store.release(scoped, holder).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(renewal);
  }
  if (!request.reachedOms()) {
    // Nothing reached the OMS (refused locally, OMS unreachable, breaker open, rate limited): the
    // same request may run again. A failed release lapses with its lease.
    await store.release(scoped, holder).catch(() => undefined);
    return { kind: "fresh", response, stored: false };
  }
  try {
    await store.complete(scoped, fingerprint, response, options.ttlMs);
    return { kind: "fresh", response, stored: true };
  } catch (storeError) {
    return { kind: "fresh", response, stored: false, storeError };
  }
}

// Private: waits for a running request with the same key, up to `waitMs`; its lease lapsing while
// we wait hands the key over to us.
async function reserve(
  options: IdempotencyOptions,
  scoped: string,
  fingerprint: string,
  holder: string,
): Promise<Reservation> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    let reservation: Reservation;
    try {
      reservation = await options.store.reserve(scoped, fingerprint, {
        holder,
        leaseMs: options.leaseMs,
        ttlMs: options.ttlMs,
        now: Date.now(),
      });
    } catch (error) {
      throw new IdempotencyStoreError(error);
    }
    if (reservation.kind !== "inProgress" || Date.now() >= deadline) return reservation;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * The request's identity, independent of spelling: the canonical document, and variables with their
 * keys sorted, so a retry built by another JSON serializer still matches.
 */
export function fingerprintOf(identity: RequestIdentity): string {
  const { document, operationName, variables } = identity;
  return sha256(canonicalJson([document, operationName ?? null, variables ?? null]));
}

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
