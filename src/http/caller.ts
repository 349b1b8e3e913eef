import { createHash, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { JwtConfig } from "../config.js";

/** How many accepted header values are remembered; past that the memory starts afresh. */
const MAX_REMEMBERED = 256;
const ANONYMOUS = "anonymous";

/**
 * Remembers header values that already passed a check, with the caller they identified, so a
 * caller's repeated requests skip the hashing (about 2 µs a comparison, paid for every key on every
 * request). Only values that passed are kept: a wrong guess always takes the full constant-time
 * path, and the memory cannot be filled by strangers.
 */
function remembering(
  identify: (value: string) => string | null,
): (value: string | string[] | undefined) => string | null {
  const accepted = new Map<string, string>();
  return (value) => {
    if (typeof value !== "string") return null;
    const known = accepted.get(value);
    if (known !== undefined) return known;
    const caller = identify(value);
    if (caller === null) return null;
    if (accepted.size >= MAX_REMEMBERED) accepted.clear();
    accepted.set(value, caller);
    return caller;
  };
}

/**
 * Identifies the caller of `Authorization: Bearer <key>` among the configured API keys, in constant
 * time: `key:<first 16 hex digits of the key's SHA-256>`, the same however the header is spelled,
 * and never the key itself. null: not a valid key. With no keys configured (allowed only outside
 * production) every caller is accepted as `anonymous`.
 */
export function createCallerIdentity(
  keys: readonly string[],
): (authorization: string | undefined) => string | null {
  if (keys.length === 0) return () => ANONYMOUS;
  const matches = keys.map((key) => ({
    match: secretMatcher(key),
    id: `key:${digest(key).toString("hex").slice(0, 16)}`,
  }));
  return remembering((authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return null;
    // Every key is compared, so the time taken does not tell which one matched.
    let caller: string | null = null;
    for (const { match, id } of matches) if (match(token)) caller = id;
    return caller;
  });
}

/** Whether `Authorization: Bearer <key>` names a configured API key (any caller, with none configured). */
export function createCallerCheck(keys: readonly string[]): (authorization: string | undefined) => boolean {
  const identify = createCallerIdentity(keys);
  return (authorization) => identify(authorization) !== null;
}

/** Constant-time comparison with one secret; with none configured, everything passes. */
export function createSecretCheck(secret: string | null): (value: string | string[] | undefined) => boolean {
  if (secret === null) return () => true;
  const matches = remembering((value) => (secretMatcher(secret)(value) ? "router" : null));
  return (value) => matches(value) !== null;
}

function secretMatcher(secret: string): (value: string) => boolean {
  // Hashing first gives equal-length buffers, so the comparison time says nothing about the secret.
  const expected = digest(secret);
  return (value) => timingSafeEqual(expected, digest(value));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}

/**
 * The caller check of /graphql: an API key, or (when configured) a JWT signed by a key of the
 * JWKS, with pinned issuer, audience and algorithms, and an expiry. The key set is fetched and cached
 * by jose. Answers who the caller is (the scope of its idempotency keys), or null when it is not
 * accepted: `key:<key id>` for an API key, `jwt:<issuer> <subject>` for a token.
 */
export function createCallerAuth(
  keys: readonly string[],
  jwt: JwtConfig | null,
): (authorization: string | undefined) => string | null | Promise<string | null> {
  const keyCheck = createCallerIdentity(keys);
  if (jwt === null) return keyCheck;
  const jwks = createRemoteJWKSet(new URL(jwt.jwksUrl), { timeoutDuration: 2_000, cooldownDuration: 30_000 });
  const options = {
    issuer: jwt.issuer,
    audience: jwt.audience,
    algorithms: [...jwt.algorithms],
    // jose checks `exp` only when present; a token without one would be valid for ever once leaked.
    requiredClaims: ["exp"],
  };
  return async (authorization) => {
    const token = bearerToken(authorization ?? "");
    if (token === undefined) return null;
    if (keys.length > 0) {
      const caller = keyCheck(authorization);
      if (caller !== null) return caller;
    }
    if (token.split(".").length !== 3) return null;
    try {
      const { payload } = await jwtVerify(token, jwks, options);
      // Without a subject, tokens of different callers would share one scope: each token is its own.
      const subject =
        typeof payload.sub === "string" ? payload.sub : `token ${digest(token).toString("hex")}`;
      return `jwt:${jwt.issuer} ${subject}`;
    } catch {
      return null;
    }
  };
}

function bearerToken(authorization: string): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
}
