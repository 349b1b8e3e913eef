import { createHash, timingSafeEqual } from "node:crypto";
import { createRemoteJWKSet, jwtVerify } from "jose";
import type { JwtConfig } from "../config.js";

/** How many accepted header values are remembered; past that the memory starts afresh. */
const MAX_REMEMBERED = 256;

/**
 * Remembers header values that already passed a check, so a caller's repeated requests skip the
 * hashing (about 2 µs a comparison, paid for every key on every request). Only values that passed
 * are kept: a wrong guess always takes the full constant-time path, and the memory cannot be
 * filled by strangers.
 */
function remembering(check: (value: string) => boolean): (value: string | string[] | undefined) => boolean {
  const accepted = new Set<string>();
  return (value) => {
    if (typeof value !== "string") return false;
    if (accepted.has(value)) return true;
    if (!check(value)) return false;
    if (accepted.size >= MAX_REMEMBERED) accepted.clear();
    accepted.add(value);
    return true;
  };
}

/**
 * Checks `Authorization: Bearer <key>` against the configured API keys in constant time. With no
 * keys configured (allowed only outside production) every caller is accepted.
 */
export function createCallerCheck(keys: readonly string[]): (authorization: string | undefined) => boolean {
  if (keys.length === 0) return () => true;
  const matches = keys.map(secretMatcher);
  return remembering((authorization) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1];
    if (token === undefined) return false;
    // Every key is compared, so the time taken does not tell which one matched.
    return matches.reduce((found, match) => match(token) || found, false);
  });
}

/** Constant-time comparison with one secret; with none configured, everything passes. */
export function createSecretCheck(secret: string | null): (value: string | string[] | undefined) => boolean {
  if (secret === null) return () => true;
  return remembering(secretMatcher(secret));
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
 * JWKS, with pinned issuer, audience and algorithms, and an expiry. The key set is fetched and cached by jose.
 */
export function createCallerAuth(
  keys: readonly string[],
  jwt: JwtConfig | null,
): (authorization: string | undefined) => boolean | Promise<boolean> {
  const keyCheck = createCallerCheck(keys);
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
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (token === undefined) return false;
    if (keys.length > 0 && keyCheck(authorization)) return true;
    if (token.split(".").length !== 3) return false;
    try {
      await jwtVerify(token, jwks, options);
      return true;
    } catch {
      return false;
    }
  };
}
