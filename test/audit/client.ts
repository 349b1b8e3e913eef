/**
 * The audit's caller: sends one planned request through the gateway over HTTP as an integrator
 * would, and, when it carries an Idempotency-Key, retries it with the same key and the same request
 * (bounded, with backoff) while the answer leaves the outcome open: unknown, lost, 409 in progress,
 * 503, or "not run" for a reason that may pass (the OMS or its breaker). Unkeyed requests are sent
 * once. Every attempt is recorded.
 */
import type { Dispatcher } from "undici";
import { type AnswerClass, classifyAnswer, type ItemAnswer } from "./classify.js";
import { requestBody, type Spelling, spelling } from "./documents.js";
import { Prng } from "./prng.js";
import type { PlannedRequest } from "./schedule.js";

export interface GatewayTarget {
  generation: number;
  dispatcher: Dispatcher;
}

export interface Attempt {
  startedAt: number;
  endedAt: number;
  /** Which gateway process the attempt was sent to. */
  generation: number;
  httpStatus: number | null;
  items: ItemAnswer[];
}

export interface RequestLog {
  plan: PlannedRequest;
  attempts: Attempt[];
  /** The same keyed request sent again while the first attempt ran (`plan.twin`). */
  twin?: Attempt;
}

/** Codes that say the request itself is wrong: retrying it unchanged cannot help. */
const FINAL_CODES = new Set(["BAD_USER_INPUT", "BAD_REQUEST", "IDEMPOTENCY_KEY_REUSED", "UNAUTHENTICATED"]);
const OPEN: ReadonlySet<AnswerClass> = new Set(["unknown", "lost", "in-progress"]);
const RETRIES = 5;
/** A key still running (409), a gateway away or a store down (503): keep asking this long. */
const PATIENCE_MS = 12_000;
const MAX_ATTEMPTS = 15;
const ATTEMPT_TIMEOUT_MS = 30_000;

export async function sendPlanned(
  plan: PlannedRequest,
  seed: number,
  target: () => Promise<GatewayTarget>,
): Promise<RequestLog> {
  const { key } = plan;
  const body = requestBody(plan);
  const jitter = new Prng(seed ^ (plan.id * 2654435761));
  const log: RequestLog = { plan, attempts: [] };
  const firstAt = Date.now();
  let twin: Promise<Attempt> | undefined;
  for (let n = 1; ; n++) {
    const sent = sendOnce(plan, key, spelling(plan, body, n), await target());
    if (n === 1 && plan.twin && key !== null) {
      twin = sendOnce(plan, key, spelling(plan, body, 2), await target());
    }
    const attempt = await sent;
    log.attempts.push(attempt);
    if (key === null || !leavesOutcomeOpen(attempt) || n >= MAX_ATTEMPTS) break;
    if (n >= RETRIES && !(askAgainLater(attempt) && Date.now() - firstAt < PATIENCE_MS)) break;
    const backoff = Math.min(1_500, 100 * 2 ** (n - 1));
    await new Promise((resolve) => setTimeout(resolve, backoff / 2 + jitter.next() * (backoff / 2)));
  }
  if (twin) log.twin = await twin;
  return log;
}

async function sendOnce(
  plan: PlannedRequest,
  key: string | null,
  { authorization, body }: Spelling,
  target: GatewayTarget,
): Promise<Attempt> {
  const startedAt = Date.now();
  const headers: Record<string, string> = { "content-type": "application/json", authorization };
  if (key !== null) headers["idempotency-key"] = key;
  const size = plan.items.length;
  const done = (httpStatus: number | null, items: ItemAnswer[]): Attempt => ({
    startedAt,
    endedAt: Date.now(),
    generation: target.generation,
    httpStatus,
    items,
  });
  try {
    const res = await target.dispatcher.request({
      path: "/graphql",
      method: "POST",
      headers,
      body,
      headersTimeout: ATTEMPT_TIMEOUT_MS,
      bodyTimeout: ATTEMPT_TIMEOUT_MS,
    });
    const text = await res.body.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Classified by status alone.
    }
    return done(res.statusCode, classifyAnswer(plan.kind, size, res.statusCode, parsed));
  } catch (error) {
    const code = String((error as { code?: unknown }).code ?? (error as Error).name);
    return done(null, classifyAnswer(plan.kind, size, null, null, code));
  }
}

// Private: no answer, 409 "still running", or a 503 (draining, store down): this attempt says
// nothing about the request's outcome, and asking again later will.
function askAgainLater(attempt: Attempt): boolean {
  return (
    attempt.httpStatus === 503 ||
    attempt.items.every((item) => item.class === "in-progress" || item.class === "lost")
  );
}

function leavesOutcomeOpen(attempt: Attempt): boolean {
  return attempt.items.some(
    (item) => OPEN.has(item.class) || (item.class === "not-run" && !FINAL_CODES.has(item.code)),
  );
}
