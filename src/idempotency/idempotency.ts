/**
 * Idempotency-Key handling for mutations: the first response for a key and caller is stored; a
 * replay of the same request gets it back without touching the OMS; the same key with another
 * request, or while the first still runs, is refused with a stable code.
 */
import { createHash } from "node:crypto";
import { getOperationAST, parse } from "graphql";
import type { IdempotencyStore, StoredResponse } from "./store.js";

/** 1 to 255 visible ASCII characters, as the IETF Idempotency-Key draft suggests for key values. */
const KEY_PATTERN = /^[\x21-\x7E]{1,255}$/;
const POLL_MS = 50;
/** Top-level error codes of a request that changed nothing, so a retry with the same key may run again. */
const NOTHING_CHANGED = new Set([
  "OMS_UNAVAILABLE",
  "OMS_RATE_LIMITED",
  "OMS_UNAUTHORIZED",
  "BAD_USER_INPUT",
  "INTERNAL_SERVER_ERROR",
]);

export interface IdempotencyOptions {
  store: IdempotencyStore;
  ttlMs: number;
  /** How long a replay waits for the first request with its key before giving up. */
  waitMs: number;
}

export type IdempotentOutcome =
  | { kind: "fresh" | "replayed"; response: StoredResponse }
  | { kind: "invalidKey" | "reused" | "inProgress" };

export interface GraphQLBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

/** True when the body asks for a mutation; keys sent with queries are ignored. */
export function isMutation(body: GraphQLBody): boolean {
  if (typeof body.query !== "string") return false;
  try {
    const name = typeof body.operationName === "string" ? body.operationName : undefined;
    return getOperationAST(parse(body.query), name)?.operation === "mutation";
  } catch {
    return false;
  }
}

/**
 * Runs `run` at most once per caller and key.
 * @param caller a stable identity of the authenticated caller (never a raw credential)
 */
export async function runIdempotent(
  options: IdempotencyOptions,
  caller: string,
  key: string,
  body: GraphQLBody,
  run: () => Promise<StoredResponse>,
): Promise<IdempotentOutcome> {
  if (!KEY_PATTERN.test(key)) return { kind: "invalidKey" };
  // Keys are stored hashed and scoped: one caller's key can never replay another caller's response.
  const scoped = sha256(`${caller}\u0000${key}`);
  const fingerprint = sha256(
    JSON.stringify([body.query, body.operationName ?? null, body.variables ?? null]),
  );
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    const reservation = await options.store.reserve(scoped, fingerprint, options.ttlMs);
    if (reservation.kind === "replay") return { kind: "replayed", response: reservation.response };
    if (reservation.kind === "mismatch") return { kind: "reused" };
    if (reservation.kind === "acquired") break;
    if (Date.now() >= deadline) return { kind: "inProgress" };
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  let response: StoredResponse;
  try {
    response = await run();
  } catch (error) {
    await options.store.release(scoped);
    throw error;
  }
  if (changedNothing(response)) await options.store.release(scoped);
  else await options.store.complete(scoped, fingerprint, response, options.ttlMs);
  return { kind: "fresh", response };
}

// Private: a response that is an error before or instead of any command (bad request, OMS down,
// rate limited) must not be stored, or the caller's retry with the same key would get it for a day.
function changedNothing(response: StoredResponse): boolean {
  if (response.status !== 200) return true;
  let parsed: { data?: unknown; errors?: Array<{ extensions?: { code?: unknown } }> };
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return true;
  }
  if (parsed.data != null || !parsed.errors?.length) return false;
  return parsed.errors.every((error) => NOTHING_CHANGED.has(String(error.extensions?.code)));
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
