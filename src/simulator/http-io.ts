import type { IncomingMessage, ServerResponse } from "node:http";
import type { OmsDetailBody } from "./wire.js";

/** An answer ready to send; `json` is serialised at send time so nothing is copied before that. */
export interface Reply {
  status: number;
  json?: unknown;
  /** A raw body, used instead of `json`. */
  body?: string | Buffer;
  headers?: Record<string, string>;
}

const notFound: OmsDetailBody = { detail: "Not found." };
export const NOT_FOUND: Reply = { status: 404, json: notFound };

export function errorReply(status: number, detail: string, headers?: Record<string, string>): Reply {
  const json: OmsDetailBody = { detail };
  return { status, json, headers };
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed || res.headersSent) return;
  let body: string | Buffer | undefined = reply.body;
  const headers: Record<string, string | number> = { ...reply.headers };
  if (body === undefined && reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers["content-type"] ??= "application/json";
  }
  if (body !== undefined) headers["content-length"] = Buffer.byteLength(body);
  res.writeHead(reply.status, headers);
  res.end(body);
}

/**
 * Reads the whole body as UTF-8. Past `limit` bytes the rest is still drained (and dropped), so the client
 * gets the 413 instead of a broken pipe; resolves undefined in that case.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
    });
    req.on("end", () => {
      if (size > limit) resolve(undefined);
      else
        resolve(
          chunks.length === 1
            ? (chunks[0] as Buffer).toString("utf8")
            : Buffer.concat(chunks).toString("utf8"),
        );
    });
    req.on("error", reject);
    // A client that goes away mid-body ends the request without "end"; nothing will be answered then.
    req.on("close", () => {
      if (!req.complete) reject(new Error("request aborted"));
    });
  });
}
