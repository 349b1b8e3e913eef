import { createHash, timingSafeEqual } from "node:crypto";

/**
 * Checks `Authorization: Bearer <key>` against the configured API keys in constant time. With no
 * keys configured (allowed only outside production) every caller is accepted.
 */
export function createCallerCheck(keys: readonly string[]): (authorization: string | undefined) => boolean {
  if (keys.length === 0) return () => true;
  // Hashing first gives equal-length buffers, so the comparison time says nothing about the key.
  const digests = keys.map(digest);
  return (authorization) => {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
    if (match?.[1] === undefined) return false;
    const candidate = digest(match[1]);
    let found = false;
    for (const key of digests) found = timingSafeEqual(key, candidate) || found;
    return found;
  };
}

function digest(value: string): Buffer {
  return createHash("sha256").update(value).digest();
}
