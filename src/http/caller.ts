import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks `Authorization: Bearer <key>` against the configured API keys in constant time. With no
 * keys configured (allowed only outside production) every caller is accepted.
 */
export function createCallerCheck(keys: readonly string[]): (authorization: string | undefined) => boolean {
  if (keys.length === 0) return () => true;
  const matches = keys.map(createSecretCheck);
  return (authorization) => {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "")?.[1];
    if (token === undefined) return false;
    // Every key is compared, so the time taken does not tell which one matched.
    return matches.reduce((found, match) => match(token) || found, false);
  };
}

/** Constant-time comparison with one secret; with none configured, everything passes. */
export function createSecretCheck(secret: string | null): (value: string | string[] | undefined) => boolean {
  if (secret === null) return () => true;
  // Hashing first gives equal-length buffers, so the comparison time says nothing about the secret.
  const expected = digest(secret);
  return (value) => typeof value === "string" && timingSafeEqual(expected, digest(value));
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
