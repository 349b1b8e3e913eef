/**
 * Splits the rows to send into chunks, each with an Idempotency-Key that depends only on the file's
 * content and the chunk's position. A rerun of the same file therefore asks with the same keys, and
 * the gateway answers finished chunks from its idempotency store instead of commanding again.
 */
import { createHash } from "node:crypto";
import type { ImportRow, ShipmentInput } from "./rows.js";

/** A row that goes to the gateway. */
export type SendRow = Extract<ImportRow, { kind: "send" }>;

/** One bulk call's worth of rows. */
export interface Chunk {
  /** 0-based position among the file's chunks. */
  index: number;
  key: string;
  rows: SendRow[];
}

/** The SHA-256 of the file's bytes, in hex. */
export function fileDigest(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * The chunk's Idempotency-Key. The chunk size is deliberately not part of it: a rerun with another
 * size sends different inputs under the same key, which the gateway refuses (IDEMPOTENCY_KEY_REUSED)
 * rather than commanding those packages a second time under fresh keys.
 */
export function chunkKey(digest: string, index: number): string {
  return `import-${digest.slice(0, 16)}-${index}`;
}

/** The rows to send, in file order, `size` at a time. */
export function planChunks(rows: readonly ImportRow[], digest: string, size: number): Chunk[] {
  const sendable = rows.filter((row): row is SendRow => row.kind === "send");
  const chunks: Chunk[] = [];
  for (let start = 0; start < sendable.length; start += size) {
    const index = chunks.length;
    chunks.push({ index, key: chunkKey(digest, index), rows: sendable.slice(start, start + size) });
  }
  return chunks;
}

/** The chunk's inputs for the mutation's variables. */
export function chunkInputs(chunk: Chunk): ShipmentInput[] {
  return chunk.rows.map((row) => row.input);
}
