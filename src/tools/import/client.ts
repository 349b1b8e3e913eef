/**
 * Sends one chunk through the gateway's bulk mutation with its Idempotency-Key, and retries a chunk
 * that failed as a whole with the same key: the gateway then either runs it for the first time,
 * waits for the earlier attempt still running, or replays that attempt's stored answer. A chunk is
 * never sent under a new key, so a retry cannot command a package twice.
 */
import { Agent, request } from "undici";
import type { ShipmentInput } from "./rows.js";

/** The outcome of one input, as it goes into the result file. */
export interface ItemOutcome {
  result: string;
  code: string;
  message: string;
}

/** A chunk's answer: one outcome per input, in input order. */
export interface ChunkAnswer {
  items: ItemOutcome[];
  /** The gateway answered from its idempotency store without commanding anything. */
  replayed: boolean;
}

/** A chunk failed as a whole; `retryable` says whether the same request may succeed later. */
export class ChunkError extends Error {
  override name = "ChunkError";
  constructor(
    message: string,
    readonly retryable: boolean,
    /** The gateway's Retry-After, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** How a chunk that failed as a whole is retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The wait before the first retry; doubled for each further one. */
  baseDelayMs: number;
  maxDelayMs: number;
}

/** Five attempts over about fifteen seconds: enough for a gateway restart or a proxy hiccup. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 5, baseDelayMs: 1_000, maxDelayMs: 8_000 };

/** Where and how to reach the gateway. */
export interface ClientOptions {
  gatewayUrl: string;
  apiKey: string | null;
  timeoutMs: number;
}

// No `package` in the selection: it would cost the gateway an OMS read per row.
const MUTATION = `mutation ImportShipments($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) {
    __typename
    ... on MutationError { message }
    ... on ValidationError { fieldErrors { code } }
    ... on CommandRejected { code }
    ... on CommandFailed { code outcomeKnown }
  }
}`;

const RETRYABLE_STATUS = new Set([408, 409, 425, 429, 502, 503, 504]);
/** Top-level codes of a call that commanded nothing and may succeed later. */
const RETRYABLE_CODES = new Set(["OMS_UNAVAILABLE", "OMS_RATE_LIMITED"]);

interface RawItem {
  __typename?: string;
  message?: string;
  code?: string;
  outcomeKnown?: boolean;
  fieldErrors?: Array<{ code?: string }>;
}

interface GraphQLBody {
  data?: { updatePackageShipments?: RawItem[] | null } | null;
  errors?: Array<{ message?: string; extensions?: { code?: string } }>;
}

/** A connection to the gateway for the length of one import. */
export class GatewayClient {
  private readonly agent = new Agent({ connections: 1 });

  constructor(private readonly options: ClientOptions) {}

  /**
   * One attempt at one chunk.
   * @throws ChunkError when the chunk failed as a whole
   */
  async send(key: string, inputs: readonly ShipmentInput[]): Promise<ChunkAnswer> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      accept: "application/json",
      "idempotency-key": key,
    };
    if (this.options.apiKey !== null) headers.authorization = `Bearer ${this.options.apiKey}`;
    const body = JSON.stringify({ query: MUTATION, operationName: "ImportShipments", variables: { inputs } });
    let status: number;
    let text: string;
    let responseHeaders: Record<string, string | string[] | undefined>;
    try {
      const res = await request(this.options.gatewayUrl, {
        method: "POST",
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.options.timeoutMs),
      });
      status = res.statusCode;
      responseHeaders = res.headers;
      text = await res.body.text();
    } catch (error) {
      throw new ChunkError(describeTransportError(error, this.options.timeoutMs), true);
    }
    return interpret(status, responseHeaders, text, inputs.length);
  }

  /** Closes the connection, so the process can exit without waiting for keep-alive to lapse. */
  async close(): Promise<void> {
    await this.agent.close();
  }
}

/** Called before each retry, to tell the operator. */
export type RetryListener = (error: ChunkError, attempt: number, delayMs: number) => void;

/**
 * Sends a chunk, retrying with the same key and a doubling wait while it fails retryably.
 * @param interrupt when aborted, a pending wait ends and the last error is thrown
 * @throws ChunkError when the chunk failed for good, or the attempts ran out
 */
export async function sendWithRetry(
  client: GatewayClient,
  key: string,
  inputs: readonly ShipmentInput[],
  policy: RetryPolicy,
  onRetry: RetryListener,
  interrupt?: AbortSignal,
): Promise<ChunkAnswer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.send(key, inputs);
    } catch (error) {
      if (!(error instanceof ChunkError) || !error.retryable) throw error;
      if (attempt >= policy.attempts || interrupt?.aborted) {
        throw new ChunkError(`${error.message} (after ${attempt} attempts)`, false);
      }
      const backoff = Math.min(policy.baseDelayMs * 2 ** (attempt - 1), policy.maxDelayMs);
      const delay = Math.max(backoff, Math.min(error.retryAfterMs ?? 0, policy.maxDelayMs));
      onRetry(error, attempt, delay);
      if (!(await sleep(delay, interrupt))) {
        throw new ChunkError(`${error.message} (interrupted while waiting to retry)`, false);
      }
    }
  }
}

function interpret(
  status: number,
  headers: Record<string, string | string[] | undefined>,
  text: string,
  expected: number,
): ChunkAnswer {
  let body: GraphQLBody | null = null;
  try {
    body = JSON.parse(text) as GraphQLBody;
  } catch {
    // Not JSON: a proxy's error page, described by its status below.
  }
  const items = body?.data?.updatePackageShipments;
  if (status === 200 && Array.isArray(items)) {
    if (items.length !== expected) {
      throw new ChunkError(`The gateway answered ${items.length} results for ${expected} inputs.`, false);
    }
    return { items: items.map(toOutcome), replayed: headers["idempotent-replayed"] === "true" };
  }
  const first = body?.errors?.[0];
  const code = first?.extensions?.code;
  const detail = first?.message ? `${first.message}${code ? ` (${code})` : ""}` : text.slice(0, 200).trim();
  const retryAfterMs = parseRetryAfter(headers["retry-after"]);
  const http = detail === "" ? `HTTP ${status}` : `HTTP ${status}: ${detail}`;
  if (RETRYABLE_STATUS.has(status)) return failure(http, true, retryAfterMs);
  if (status === 200) {
    const codes = (body?.errors ?? []).map((e) => e.extensions?.code ?? "");
    const retryable = codes.length > 0 && codes.every((c) => RETRYABLE_CODES.has(c));
    return failure(
      `The gateway refused the chunk: ${detail || "no results"}${hint(code)}`,
      retryable,
      retryAfterMs,
    );
  }
  return failure(`${http}${hint(code ?? String(status))}`, false);
}

function failure(message: string, retryable: boolean, retryAfterMs?: number): never {
  throw new ChunkError(message, retryable, retryAfterMs);
}

// Private: what an operator can do about the failures that need one.
function hint(code: string | undefined): string {
  switch (code) {
    case "BAD_USER_INPUT":
      return ". If the gateway allows fewer inputs per call, lower IMPORT_CHUNK_SIZE.";
    case "PAYLOAD_TOO_LARGE":
    case "413":
      return ". Lower IMPORT_CHUNK_SIZE.";
    case "UNAUTHENTICATED":
    case "401":
    case "403":
      return ". Check IMPORT_API_KEY.";
    case "IDEMPOTENCY_KEY_REUSED":
      return ". An earlier run sent this chunk with other rows: was IMPORT_CHUNK_SIZE changed? Rerun with the earlier size.";
    default:
      return "";
  }
}

function toOutcome(item: RawItem): ItemOutcome {
  const result = item.__typename ?? "UNKNOWN";
  const message = item.message ?? "";
  if (result === "ValidationError") {
    const codes = [...new Set((item.fieldErrors ?? []).map((e) => e.code ?? ""))].filter((c) => c !== "");
    return { result, code: codes.join(";"), message };
  }
  return { result, code: item.code ?? "", message };
}

function describeTransportError(error: unknown, timeoutMs: number): string {
  const name = (error as { name?: string }).name;
  if (name === "TimeoutError" || name === "AbortError") {
    return `No answer from the gateway within ${timeoutMs} ms (IMPORT_TIMEOUT_MS).`;
  }
  const code = (error as { code?: string }).code;
  return `Cannot reach the gateway: ${code ?? (error as Error).message}.`;
}

function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || !/^\d+$/.test(text.trim())) return undefined;
  return Number(text) * 1000;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
