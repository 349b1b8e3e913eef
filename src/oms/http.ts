/**
 * The one way the gateway talks HTTP to the OMS: a keep-alive undici Pool per OMS origin with bounded
 * connections, explicit connect/headers/body timeouts, a whole-request deadline, no redirects and a
 * response size cap. Failures to get an answer become OmsError; answers of any status are returned.
 */
import { context, propagation } from "@opentelemetry/api";
import { type Dispatcher, Pool } from "undici";
import { tracingOn } from "../tracing.js";
import { toOmsError } from "./errors.js";
import type { OmsCall, OmsCallOptions } from "./telemetry.js";

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

export class OmsHttp {
  private readonly pool: Pool;
  /** Path prefix of the base URL (usually empty); `send` adds it to every path. */
  readonly prefix: string;
  /** The OMS's origin: where pagination links may point. */
  readonly origin: string;
  private readonly baseHeaders: Record<string, string>;
  private readonly jsonHeaders: Record<string, string>;
  private readonly maxResponseBytes: number;
  /** Time of the last answer that showed the OMS working with our credentials, for readiness. */
  lastHealthyAnswerAt = 0;

  constructor(private readonly options: OmsHttpOptions) {
    const url = new URL(options.baseUrl);
    this.origin = url.origin;
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

  /**
   * Sends one request and reads the whole answer within the deadline.
   * @param path absolute OMS path with query, e.g. `/api/v1/oms/packages/1/`
   * @param timeoutMs this call's deadline, when shorter than the configured one (what a retry has left)
   * @throws OmsError OMS_UNAVAILABLE; `details.maybeApplied` tells whether the request may have reached the OMS.
   */
  send(
    method: "GET" | "POST",
    path: string,
    route: OmsCall["route"],
    body: string | null,
    options?: OmsCallOptions,
    timeoutMs = this.options.timeoutMs,
  ): Promise<OmsResponse> {
    const started = performance.now();
    return new Promise<OmsResponse>((resolve, reject) => {
      const call = new Call(this.maxResponseBytes, (outcome) => {
        clearTimeout(timer);
        const status = outcome instanceof Error ? null : outcome.status;
        options?.onCall?.({ route, method, status, ms: Math.round(performance.now() - started) });
        if (outcome instanceof Error) {
          reject(toOmsError(outcome, call.timedOut, call.started, timeoutMs));
        } else {
          this.noteAnswer(outcome.status);
          resolve(outcome);
        }
      });
      const timer = setTimeout(() => call.timeOut(), timeoutMs);
      const headers = { ...(body === null ? this.baseHeaders : this.jsonHeaders) };
      if (options?.requestId !== undefined) headers["x-request-id"] = options.requestId;
      // The active span's context (the OMS call's, see call-trace.ts) as `traceparent`; nothing when
      // tracing is off.
      if (tracingOn()) propagation.inject(context.active(), headers);
      this.pool.dispatch({ path: this.prefix + path, method, headers, body }, call);
    });
  }

  private noteAnswer(status: number): void {
    if (isHealthyAnswer(status)) this.lastHealthyAnswerAt = Date.now();
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

/**
 * One request's handler on undici's dispatch handler interface: status, headers and the body within
 * its cap, without the Readable stream, promise and abort-signal plumbing of `pool.request` (a third
 * of an OMS call's CPU). Settles exactly once:
 * - with the answer, when it arrived whole or was cut at the cap (`truncated`);
 * - with the answer's status and no body, when the status arrived but the body did not (the status
 *   alone still says what happened);
 * - with the transport error otherwise.
 */
class Call implements Dispatcher.DispatchHandler {
  timedOut = false;
  /** Set once undici hands the request to a socket: from then on it may reach the OMS. */
  private controller: Dispatcher.DispatchController | null = null;
  private status: number | null = null;
  private headers: OmsResponse["headers"] = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;

  constructor(
    private readonly maxBytes: number,
    private readonly settle: (outcome: OmsResponse | Error) => void,
  ) {}

  /** Whether undici started writing the request; before that the OMS cannot have seen it. */
  get started(): boolean {
    return this.controller !== null;
  }

  /**
   * The whole-request deadline passed. A request still waiting for a connection is answered now and
   * dropped when it reaches one, so a full pool cannot hold a caller past its deadline.
   */
  timeOut(): void {
    this.timedOut = true;
    if (this.controller === null) this.finish(deadlinePassed());
    else this.controller.abort(deadlinePassed());
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.timedOut) controller.abort(deadlinePassed());
    else this.controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: OmsResponse["headers"],
  ): void {
    // 1xx informational answers are followed by the real one.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    this.size += chunk.length;
    if (this.size <= this.maxBytes) {
      this.chunks.push(chunk);
      return;
    }
    // A body read in full could exhaust memory if a proxy answered with something huge: keep what
    // fits, answer with it, and drop the connection.
    this.chunks.push(chunk.subarray(0, chunk.length - (this.size - this.maxBytes)));
    this.finish({ status: this.status as number, headers: this.headers, body: this.text(), truncated: true });
    controller.abort(new Error("The OMS answer exceeded the size cap."));
  }

  onResponseEnd(): void {
    this.finish({
      status: this.status as number,
      headers: this.headers,
      body: this.text(),
      truncated: false,
    });
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.status !== null) {
      this.finish({ status: this.status, headers: this.headers, body: "", truncated: true });
    } else {
      this.finish(error);
    }
  }

  private finish(outcome: OmsResponse | Error): void {
    if (this.settled) return;
    this.settled = true;
    this.settle(outcome);
  }

  private text(): string {
    const { chunks } = this;
    if (chunks.length === 0) return "";
    return chunks.length === 1
      ? (chunks[0] as Buffer).toString("utf8")
      : Buffer.concat(chunks).toString("utf8");
  }
}

function deadlinePassed(): Error {
  return new Error("The OMS call's deadline passed.");
}

/** What the OMS client needs of a transport: OmsHttp itself, or OmsHttp behind ResilientOms. */
export type OmsTransport = Pick<OmsHttp, "send" | "origin" | "prefix">;

/** An answer that shows the OMS up and taking the gateway's credentials: not a 5xx, 401 or 403. */
export function isHealthyAnswer(status: number): boolean {
  return status < 500 && status !== 401 && status !== 403;
}
