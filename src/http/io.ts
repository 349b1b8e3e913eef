import type { IncomingMessage, ServerResponse } from "node:http";

export type BodyResult = { kind: "ok"; text: string } | { kind: "tooLarge" };

/**
 * Reads a request body up to `max` bytes. An oversized body is refused as soon as it is known to be
 * too large (from Content-Length, or while streaming) instead of being buffered.
 */
export async function readBody(req: IncomingMessage, max: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (declared > max) {
    req.resume();
    return { kind: "tooLarge" };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      req.resume();
      return { kind: "tooLarge" };
    }
    chunks.push(chunk);
  }
  return { kind: "ok", text: Buffer.concat(chunks).toString("utf8") };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

/** A GraphQL-shaped error body for answers given before GraphQL runs. */
export function graphqlError(message: string, code: string): object {
  return { errors: [{ message, extensions: { code } }] };
}
