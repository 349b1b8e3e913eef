/**
 * Holds every answer of an audit run against the OMS's record of what was applied:
 * - applied ⇒ the final answer is ShipmentUpdated or explicitly unknown; an attempt whose command
 *   the OMS answered 204 answers ShipmentUpdated (unless its gateway was killed);
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
import type { AnswerClass } from "./classify.js";
import type { Attempt, RequestLog } from "./client.js";
import type { ProcessFault } from "./schedule.js";

export interface ProcessEvent {
  fault: ProcessFault;
  at: number;
  /** When it was over: the storm healed, Redis or the gateway was back. */
  until: number;
  /** The gateway process it hit (gateway faults only). */
  generation?: number;
}

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

/** How long after a storm the gateway's breaker may still refuse calls: its half-open delay and a probe. */
const STORM_AFTERMATH_MS = 2_000;

const ATTEMPT_RULE: Partial<Record<ViolationKind, string>> = {
  "204-not-reported": "did not answer ShipmentUpdated; the OMS answered its command 204",
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
  keyed: boolean;
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
  oms: CountingOms,
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
  const applied = commands.filter((c) => c.applied);
  const label = labelOf(log, commands, context.events);
  const last = attempts.at(-1) as Attempt;
  const final = last.items[index]?.class ?? "lost";
  const violations: Violation[] = [];
  const flag = (kind: ViolationKind, why: string) =>
    violations.push({
      kind,
      requestId: plan.id,
      packageId,
      label,
      detail: describe(why, log, index, commands),
    });

  const byKind = new Map<ViolationKind, number[]>();
  const note = (kind: ViolationKind, n: number) => byKind.set(kind, [...(byKind.get(kind) ?? []), n + 1]);
  for (const [n, attempt] of attempts.entries()) {
    const answer = attempt.items[index]?.class;
    const ranDuring = applied.some((c) => within(c, attempt));
    if (answer === "updated" && applied.length === 0) note("updated-not-applied", n);
    const got204 = commands.some((c) => c.answered === 204 && within(c, attempt));
    // A 409 says only that the key is busy; the command answered 204 belongs to the run holding it.
    const claims = answer !== "updated" && answer !== "in-progress";
    if (got204 && claims && !killed(attempt, context.events)) note("204-not-reported", n);
    if (answer === "not-run" && ranDuring) note("not-run-but-ran", n);
    if (answer === "lost" && ranDuring && drained(attempt, context.events)) note("drain-lost-answer", n);
    const about = attempt.items[index]?.about;
    const planned = plan.items[index];
    if (about !== undefined && about !== planned?.values.awb_number && about !== String(planned?.packageId)) {
      note("answer-of-another-request", n);
    }
    if (attempt.items[index]?.code === "IDEMPOTENCY_KEY_REUSED") note("key-refused-as-reused", n);
  }
  for (const [kind, numbers] of byKind) flag(kind, `${ATTEMPT_RULE[kind]} (attempt ${numbers.join(", ")})`);
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
    if (forgotten((applied.at(-1) as CommandRecord).receivedAt))
      memoryRestart = "applied again after a restart";
    else flag("applied-twice", `the OMS applied ${applied.length} commands for one request`);
  }
  if (final === "in-progress") flag("key-stuck-in-progress", "every retry was answered 409 in progress");
  return {
    requestId: plan.id,
    packageId,
    keyed: plan.key !== null,
    label,
    final,
    applied: applied.length,
    sent: commands.length,
    memoryRestart,
    violations,
  };
}

// Private: a request hit by a process fault is shown under it; otherwise under what its first
// command got from the OMS (a storm included).
function labelOf(
  log: RequestLog,
  commands: readonly CommandRecord[],
  events: readonly ProcessEvent[],
): string {
  // The first one it met: a request retried for seconds may meet several.
  const hit = events.filter((e) => log.attempts.some((attempt) => hits(e, attempt)));
  if (hit.length > 0) return hit.reduce((a, b) => (b.at < a.at ? b : a)).fault;
  if (commands[0]) return commands[0].fault;
  // Refused before sending by a breaker a storm opened (it stays open a moment after the storm).
  const storm = events.some(
    (e) =>
      e.fault === "breaker-storm" &&
      log.attempts.some((a) => a.startedAt <= e.until + STORM_AFTERMATH_MS && a.endedAt >= e.at),
  );
  return storm ? "breaker-storm" : "not-sent";
}

// Private: a gateway fault hits the attempts sent to that gateway that had not ended when it came;
// a Redis fault, the attempts that overlapped the outage.
function hits(event: ProcessEvent, attempt: Attempt): boolean {
  switch (event.fault) {
    case "breaker-storm":
      return false;
    case "redis-kill":
    case "redis-pause":
      return attempt.startedAt <= event.until && attempt.endedAt >= event.at;
    case "gateway-kill":
    case "sigterm-drain":
      return attempt.generation === event.generation && attempt.endedAt >= event.at;
  }
}

function within(command: CommandRecord, attempt: Attempt): boolean {
  return command.receivedAt >= attempt.startedAt && command.receivedAt <= attempt.endedAt;
}

function killed(attempt: Attempt, events: readonly ProcessEvent[]): boolean {
  return events.some((e) => e.fault === "gateway-kill" && hits(e, attempt));
}

function drained(attempt: Attempt, events: readonly ProcessEvent[]): boolean {
  return events.some(
    (e) =>
      e.fault === "sigterm-drain" &&
      e.generation === attempt.generation &&
      attempt.endedAt >= e.at &&
      attempt.startedAt <= e.until,
  );
}

function restartBetween(from: number, to: number, events: readonly ProcessEvent[]): boolean {
  return events.some(
    (e) => (e.fault === "gateway-kill" || e.fault === "sigterm-drain") && e.until >= from && e.at <= to,
  );
}

function describe(why: string, log: RequestLog, index: number, commands: readonly CommandRecord[]): string {
  const attempts = log.attempts
    .map((a, n) => {
      const item = a.items[index];
      const said = item?.message ? ` "${item.message.slice(0, 120)}"` : "";
      return `#${n + 1} gw${a.generation} HTTP ${a.httpStatus ?? "-"} ${item?.class}/${item?.code}${said}`;
    })
    .join("; ");
  const record = commands
    .map((c) => {
      const at = c.receivedAt - (log.attempts[0]?.startedAt ?? 0);
      return `${c.fault}${c.applied ? " APPLIED" : " not applied"} at +${at} ms, answered ${c.answered ?? "nothing"}`;
    })
    .join("; ");
  return (
    `${why}. ${log.plan.kind} ${log.key ? `key ${log.key}` : "unkeyed"}, item ${index}. ` +
    `Attempts: ${attempts}. OMS record: ${record || "no command received"}.`
  );
}
