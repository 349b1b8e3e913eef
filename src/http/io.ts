import type { IncomingMessage, ServerResponse } from "node:http";

/** The path and query of a request's target: all the routing needs, without a URL object's parse. */
export interface RequestTarget {
  pathname: string;
  /** "?a=1", or "" when there is no query. */
  search: string;
}

/** Splits `req.url` (origin-form, e.g. "/graphql?query=...") into path and query; a fragment is dropped. */
export function parseTarget(raw: string | undefined): RequestTarget {
  let target = raw ?? "/";
  const hash = target.indexOf("#");
  if (hash !== -1) target = target.slice(0, hash);
  const question = target.indexOf("?");
  if (question === -1) return { pathname: target, search: "" };
  const search = target.slice(question);
  return { pathname: target.slice(0, question), search: search.length > 1 ? search : "" };
}

export type BodyResult = { kind: "ok"; text: string } | { kind: "tooLarge" };

/**
 * Reads a request body up to `max` bytes. An oversized body is refused as soon as it is known to be
 * too large (from Content-Length, or while streaming) instead of being buffered.
 */
export function readBody(req: IncomingMessage, max: number): Promise<BodyResult> {
  const declared = Number(req.headers["content-length"]);
  if (declared > max) {
    req.resume();
    return Promise.resolve({ kind: "tooLarge" });
  }
  // Plain 'data' events: cheaper per request than an async iterator over the stream.
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.off("data", onData);
        req.resume();
        resolve({ kind: "tooLarge" });
      } else {
        chunks.push(chunk);
      }
    };
    req.on("data", onData);
    req.once("end", () => {
      if (size <= max) {
        resolve({
          kind: "ok",
          text:
            chunks.length === 1
              ? (chunks[0] as Buffer).toString("utf8")
              : Buffer.concat(chunks).toString("utf8"),
        });
      }
    });
    req.once("error", reject);
  });
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
function graphqlError(message: string, code: string): { errors: object[] } {
  return { errors: [{ message, extensions: { code } }] };
}

declare module "node:http" {
  interface ServerResponse {
    /** The code of an answer refused before GraphQL ran: read by the request log line. */
    refusedWith?: string;
  }
}

/** Answers with a GraphQL-shaped error before GraphQL runs, noting its code for the request log. */
export function sendError(res: ServerResponse, status: number, message: string, code: string): void {
  res.refusedWith = code;
  sendJson(res, status, graphqlError(message, code));
}

/** Answers with a GraphQL-shaped body of errors made earlier, noting the first one's code. */
export function sendErrors(res: ServerResponse, status: number, body: { errors: readonly object[] }): void {
  const extensions = (body.errors[0] as { extensions?: { code?: unknown } } | undefined)?.extensions;
  res.refusedWith = typeof extensions?.code === "string" ? extensions.code : "BAD_REQUEST";
  sendJson(res, status, body);
}
