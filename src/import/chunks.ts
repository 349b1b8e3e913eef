/**
 * A chunk's Idempotency-Key: a digest of exactly what it sends and how often each row was sent
 * before. The first send of a file's rows therefore gets the same key in every run (a run whose
 * journal was lost is answered from the gateway's store), while a later attempt at the same rows
 * gets a new one: the gateway keeps a chunk's answer once any command reached the OMS, and a retry
 * of rows that answer said were not applied must not be replayed that answer.
 */
import { createHash } from "node:crypto";
import type { ShipmentInput } from "./client.js";

export function chunkKey(inputs: readonly ShipmentInput[], attempts: readonly number[]): string {
  const content = JSON.stringify(
    inputs.map((input, i) => [
      input.packageId,
      input.cargoCompanyId,
      input.trackingNumber,
      input.queryNumber ?? null,
      attempts[i] ?? 0,
    ]),
  );
  return `import-${createHash("sha256").update(content).digest("base64url").slice(0, 32)}`;
}
