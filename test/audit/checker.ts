/**
 * Holds every answer of an audit run against the OMS's record of what was applied:
 * - applied ⇒ the final answer is ShipmentUpdated or explicitly unknown; an attempt whose command
 *   the OMS answered 204 answers ShipmentUpdated or unknown (unless its gateway was killed);
 * - not applied ⇒ no attempt ever answered ShipmentUpdated;
 * - an attempt that answered "not run" applied nothing while it ran;
 * - at most one applied command per package per request (per idempotency key); with the memory
 *   store, doubles across a gateway restart are counted apart, as that store cannot prevent them;
 * - an attempt whose command was applied during a SIGTERM drain got its answer;
 * - a key is not left "in progress" after its work stopped;
 * - every answer is about the request's own packages (a key's scope is its caller), and a retry
 *   spelled differently is not refused as a reused key.
 */
import type { CommandRecord, CountingOms } from "../helpers/counting-oms.js";
import type { AnswerClass, ItemAnswer } from "./classify.js";
import type { Attempt, RequestLog } from "./client.js";
import { drained, killed, labelOf, type ProcessEvent, restartBetween, within } from "./timeline.js";

export type { ProcessEvent };

export type ViolationKind =
  | "204-not-reported"
  | "updated-not-applied"
  | "applied-reported-failed"
  | "not-run-but-ran"
  | "applied-twice"
  | "drain-lost-answer"
  | "answer-of-another-request"
  | "key-refused-as-reused"
  | "key-stuck-in-progress";

const ATTEMPT_RULE: Partial<Record<ViolationKind, string>> = {
  "204-not-reported": "answered neither ShipmentUpdated nor unknown; the OMS answered its command 204",
  "updated-not-applied": "answered ShipmentUpdated; the OMS applied nothing",
  "not-run-but-ran": 'answered "not run"; the OMS applied the command while it ran',
  "drain-lost-answer": "lost its answer during a SIGTERM drain; its command was applied",
  "answer-of-another-request": "answered about another package or tracking number",
  "key-refused-as-reused":
    "was refused as a reused key, though the key was only ever sent again for the same request",
};

export interface Violation {
  kind: ViolationKind;
  requestId: number;
  packageId: number;
  label: string;
  detail: string;
}

export interface ItemVerdict {
  requestId: number;
  packageId: number;
  label: string;
  final: AnswerClass;
  applied: number;
  sent: number;
  /**
   * With the memory store, what a gateway restart caused (applied again, or a retry's answer that
   * no longer knows the first command): a known limit of that store, counted, not a failure.
   */
  memoryRestart: string | null;
  violations: Violation[];
}

export interface CheckContext {
  store: "memory" | "redis";
  events: readonly ProcessEvent[];
}

export function checkRun(
  logs: readonly RequestLog[],
  oms: Pick<CountingOms, "commandsFor">,
  context: CheckContext,
): ItemVerdict[] {
  const verdicts: ItemVerdict[] = [];
  for (const log of logs) {
    log.plan.items.forEach((item, index) => {
      const commands = oms.commandsFor(item.packageId).filter((c) => c.awb === item.values.awb_number);
      verdicts.push(checkItem(log, index, commands, context));
    });
  }
  return verdicts;
}

function checkItem(
  log: RequestLog,
  index: number,
  commands: readonly CommandRecord[],
  context: CheckContext,
): ItemVerdict {
  const { plan, attempts } = log;
  const packageId = plan.items[index]?.packageId as number;
  const label = labelOf(log, commands, context.events);
  const final = (attempts.at(-1) as Attempt).items[index]?.class ?? "lost";
  const violations: Violation[] = [];
  const flag = (kind: ViolationKind, why: string) =>
    violations.push({
      kind,
      requestId: plan.id,
      packageId,
      label,
      detail: describe(why, log, index, commands),
    });
  for (const [kind, numbers] of attemptViolations(log, index, commands, context.events)) {
    flag(kind, `${ATTEMPT_RULE[kind]} (attempt ${numbers.join(", ")})`);
  }
  const memoryRestart = finalViolations(log, index, commands, context, flag);
  return {
    requestId: plan.id,
    packageId,
    label,
    final,
    applied: commands.filter((c) => c.applied).length,
    sent: commands.length,
    memoryRestart,
    violations,
  };
}

// Private: what each attempt's answer claimed, held against what the OMS did while it ran.
// @returns the attempts (numbers from 1, or "twin") with each kind of violation
function attemptViolations(
  { plan, attempts, twin }: RequestLog,
  index: number,
  commands: readonly CommandRecord[],
  events: readonly ProcessEvent[],
): Map<ViolationKind, string[]> {
  const applied = commands.filter((c) => c.applied);
  const planned = plan.items[index];
  const byKind = new Map<ViolationKind, string[]>();
  const note = (kind: ViolationKind, n: number | "twin") =>
    byKind.set(kind, [...(byKind.get(kind) ?? []), n === "twin" ? n : String(n + 1)]);
  // What any answer to this request must not say, whoever holds the key.
  const checkClaims = (answer: ItemAnswer | undefined, n: number | "twin") => {
    if (answer?.class === "updated" && applied.length === 0) note("updated-not-applied", n);
    const about = answer?.about;
    if (about !== undefined && about !== planned?.values.awb_number && about !== String(planned?.packageId)) {
      note("answer-of-another-request", n);
    }
    if (answer?.code === "IDEMPOTENCY_KEY_REUSED") note("key-refused-as-reused", n);
  };
  for (const [n, attempt] of attempts.entries()) {
    const answer = attempt.items[index];
    const ranDuring = applied.some((c) => within(c, attempt));
    checkClaims(answer, n);
    const got204 = commands.some((c) => c.answered === 204 && within(c, attempt));
    // Unknown stays allowed: the 204 may have reached the gateway after its deadline. A 409 says
    // only that the key is busy; the command answered 204 belongs to the run holding it.
    const claims =
      answer?.class !== undefined && !["updated", "unknown", "in-progress"].includes(answer.class);
    if (got204 && claims && !killed(attempt, events)) note("204-not-reported", n);
    if (answer?.class === "not-run" && ranDuring) note("not-run-but-ran", n);
    if (answer?.class === "lost" && ranDuring && drained(attempt, events)) note("drain-lost-answer", n);
  }
  // The twin ran beside the first attempt: the commands in its window may be the first attempt's,
  // so only what it claims is checked; sending twice shows in the count of applied commands.
  if (twin) checkClaims(twin.items[index], "twin");
  return byKind;
}

// Private: what the caller ends up believing, and how often the OMS applied the command.
// @returns what a memory-store restart explains instead of a violation, if anything
function finalViolations(
  { plan, attempts }: RequestLog,
  index: number,
  commands: readonly CommandRecord[],
  context: CheckContext,
  flag: (kind: ViolationKind, why: string) => void,
): string | null {
  const applied = commands.filter((c) => c.applied);
  const last = attempts.at(-1) as Attempt;
  const final = last.items[index]?.class ?? "lost";
  // The memory store forgets every key when the gateway restarts: a retry after a restart runs the
  // request again. What follows from that is counted apart, as a known limit of that store.
  const firstApplied = applied[0]?.receivedAt;
  const forgotten = (to: number) =>
    context.store === "memory" &&
    plan.key !== null &&
    firstApplied !== undefined &&
    restartBetween(firstApplied, to, context.events);
  let memoryRestart: string | null = null;
  const finalRan = applied.some((c) => within(c, last));
  if (applied.length > 0 && (final === "not-applied" || (final === "not-run" && !finalRan))) {
    if (forgotten(last.startedAt)) memoryRestart = `final answer "${final}" after a restart`;
    else flag("applied-reported-failed", `the final answer is "${final}"; the OMS applied the command`);
  }
  if (applied.length > 1) {
    if (forgotten((applied.at(-1) as CommandRecord).receivedAt)) {
      memoryRestart = "applied again after a restart";
    } else flag("applied-twice", `the OMS applied ${applied.length} commands for one request`);
  }
  if (final === "in-progress") flag("key-stuck-in-progress", "every retry was answered 409 in progress");
  return memoryRestart;
}

function describe(why: string, log: RequestLog, index: number, commands: readonly CommandRecord[]): string {
  const attempts = log.attempts
    .map((a, n) => {
      const item = a.items[index];
      const said = item?.message ? ` "${item.message.slice(0, 120)}"` : "";
      return `#${n + 1} gw${a.generation} HTTP ${a.httpStatus ?? "-"} ${item?.class}/${item?.code}${said}`;
    })
    .join("; ");
  const twin = log.twin?.items[index];
  const twinText = twin ? `; twin HTTP ${log.twin?.httpStatus ?? "-"} ${twin.class}/${twin.code}` : "";
  const record = commands
    .map((c) => {
      const at = c.receivedAt - (log.attempts[0]?.startedAt ?? 0);
      return `${c.fault}${c.applied ? " APPLIED" : " not applied"} at +${at} ms, answered ${c.answered ?? "nothing"}`;
    })
    .join("; ");
  return (
    `${why}. ${log.plan.kind} ${log.plan.key ? `key ${log.plan.key}` : "unkeyed"}, item ${index}. ` +
    `Attempts: ${attempts}${twinText}. OMS record: ${record || "no command received"}.`
  );
}
