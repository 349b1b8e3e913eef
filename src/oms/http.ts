/**
 * The one way the gateway talks HTTP to the OMS: a keep-alive undici Pool per OMS origin with bounded
 * connections, explicit connect/headers/body timeouts, a whole-request deadline, no redirects and a
 * response size cap. Failures to get an answer become OmsError; answers of any status are returned.
 */
import { EventEmitter } from "node:events";
import type { Readable } from "node:stream";
import { Pool } from "undici";
import { OmsError } from "../domain/errors.js";
import type { CallOptions, OmsCall } from "../domain/ports.js";

export interface OmsHttpOptions {
  /** Origin plus optional path prefix, no trailing slash. */
  baseUrl: string;
  /** `Authorization` header value, e.g. "Token abc". Kept private: never logged or thrown. */
  authorization: string;
  /** Whole-request deadline: connecting, sending, waiting and reading the body. */
  timeoutMs: number;
  maxConnections: number;
  /** Bodies beyond this are cut off and the socket discarded. */
  maxResponseBytes?: number;
}

export interface OmsResponse {
  status: number;
  /** Lower-case header names, as undici gives them. */
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** True when the body was larger than the cap and was cut. */
  truncated: boolean;
}

const DEFAULT_MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
// Error codes meaning the request never left this process, so a command cannot have been applied.
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "UND_ERR_CONNECT_TIMEOUT",
  "UND_ERR_DESTROYED",
  "UND_ERR_CLOSED",
]);

export class OmsHttp {
  private readonly pool: Pool;
  /** Path prefix of the base URL (usually empty); `send` adds it to every path. */
  readonly prefix: string;
  private readonly baseHeaders: Record<string, string>;
  private readonly jsonHeaders: Record<string, string>;
  private readonly maxResponseBytes: number;
  /** Time of the last answer that showed the OMS working with our credentials, for readiness. */
  lastHealthyAnswerAt = 0;

  constructor(private readonly options: OmsHttpOptions) {
    const url = new URL(options.baseUrl);
    this.prefix = url.pathname.replace(/\/+$/, "");
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.baseHeaders = {
      authorization: options.authorization,
      accept: "application/json",
      "user-agent": "oms-graph",
    };
    this.jsonHeaders = { ...this.baseHeaders, "content-type": "application/json" };
    this.pool = new Pool(url.origin, {
      connections: options.maxConnections,
      connect: { timeout: Math.min(options.timeoutMs, 5_000) },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      keepAliveTimeout: 4_000,
    });
  }

  /** The whole-request deadline of one call. */
  get timeoutMs(): number {
    return this.options.timeoutMs;
  }

  get origin(): string {
    return new URL(this.options.baseUrl).origin;
  }

  /**
   * Sends one request and reads the whole answer within the deadline.
   * @param path absolute OMS path with query, e.g. `/api/v1/oms/packages/1/`
   * @param timeoutMs this call's deadline, when shorter than the configured one (what a retry has left)
   * @throws OmsError OMS_UNAVAILABLE; `details.maybeApplied` tells whether the request may have reached the OMS.
   */
  async send(
    method: "GET" | "POST",
    path: string,
    route: OmsCall["route"],
    body: string | null,
    options?: CallOptions,
    timeoutMs = this.options.timeoutMs,
  ): Promise<OmsResponse> {
    const started = performance.now();
    // An EventEmitter is enough for undici to abort on, and cheaper than an AbortController per call.
    const deadline = new EventEmitter();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      deadline.emit("abort");
    }, timeoutMs);
    let status: number | null = null;
    let headers: OmsResponse["headers"] = {};
    try {
      const res = await this.pool.request({
        path: this.prefix + path,
        method,
        headers: body === null ? this.baseHeaders : this.jsonHeaders,
        body,
        signal: deadline,
      });
      status = res.statusCode;
      headers = res.headers;
      const { text, truncated } = await readCapped(res.body, this.maxResponseBytes);
      this.noteAnswer(status);
      return { status, headers, body: text, truncated };
    } catch (error) {
      if (status !== null) {
        // The status arrived but the body did not: the status alone still says what happened.
        this.noteAnswer(status);
        return { status, headers, body: "", truncated: true };
      }
      throw toOmsError(error, timedOut, timeoutMs);
    } finally {
      clearTimeout(timer);
      options?.onCall?.({ route, method, status, ms: Math.round(performance.now() - started) });
    }
  }

  private noteAnswer(status: number): void {
    if (status < 500 && status !== 401 && status !== 403) this.lastHealthyAnswerAt = Date.now();
  }

  /** Connections and queue of the pool, for tests and metrics. */
  get stats(): { connected: number; free: number; pending: number; running: number } {
    const { connected, free, pending, running } = this.pool.stats;
    return { connected, free, pending, running };
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

// Private: a body read in full could exhaust memory if a proxy answered with something huge.
// Plain 'data' events rather than an async iterator: this runs once per OMS call.
function readCapped(body: Readable, max: number): Promise<{ text: string; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= max) {
        chunks.push(chunk);
        return;
      }
      chunks.push(chunk.subarray(0, chunk.length - (size - max)));
      body.off("data", onData);
      body.off("error", reject);
      // Destroying the body makes undici emit an AbortError on it; that is the intended outcome here.
      body.on("error", () => {});
      body.destroy();
      resolve({ text: Buffer.concat(chunks).toString("utf8"), truncated: true });
    };
    body.on("data", onData);
    body.once("error", reject);
    body.once("end", () => {
      const text =
        chunks.length === 0
          ? ""
          : chunks.length === 1
            ? (chunks[0] as Buffer).toString("utf8")
            : Buffer.concat(chunks).toString("utf8");
      resolve({ text, truncated: false });
    });
  });
}

function toOmsError(error: unknown, deadlineHit: boolean, timeoutMs: number): OmsError {
  const code = (error as { code?: unknown })?.code;
  const notSent =
    typeof code === "string" &&
    (NOT_SENT_CODES.has(code) || code.startsWith("ERR_TLS") || code.includes("CERT"));
  const why = deadlineHit
    ? `no answer within ${Math.round(timeoutMs)} ms`
    : typeof code === "string"
      ? `connection failed (${code})`
      : "connection failed";
  return new OmsError("OMS_UNAVAILABLE", `The OMS could not be reached: ${why}.`, {
    maybeApplied: !notSent,
    cause: error,
  });
}

/** What the OMS client needs of a transport: OmsHttp itself, or OmsHttp behind ResilientOms. */
export type OmsTransport = Pick<OmsHttp, "send" | "origin" | "prefix">;
