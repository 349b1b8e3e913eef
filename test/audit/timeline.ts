/**
 * When things happened, relative to a request's attempts: which process faults hit an attempt,
 * which commands arrived while it ran, and the name a request is shown under in the report.
 */
import type { CommandRecord } from "../helpers/counting-oms.js";
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

/** How long after a storm the gateway's breaker may still refuse calls: its half-open delay and a probe. */
const STORM_AFTERMATH_MS = 2_000;

/**
 * The row a request's items are shown under: the first process fault it met; otherwise what its
 * first command got from the OMS (a storm included); otherwise `not-sent`.
 */
export function labelOf(
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

/** Whether the OMS received the command while the attempt ran. */
export function within(command: CommandRecord, attempt: Attempt): boolean {
  return command.receivedAt >= attempt.startedAt && command.receivedAt <= attempt.endedAt;
}

/** Whether the attempt's gateway was killed (-9) before it answered. */
export function killed(attempt: Attempt, events: readonly ProcessEvent[]): boolean {
  return events.some((e) => e.fault === "gateway-kill" && hits(e, attempt));
}

/** Whether the attempt ran on a gateway draining after SIGTERM. */
export function drained(attempt: Attempt, events: readonly ProcessEvent[]): boolean {
  return events.some(
    (e) =>
      e.fault === "sigterm-drain" &&
      e.generation === attempt.generation &&
      attempt.endedAt >= e.at &&
      attempt.startedAt <= e.until,
  );
}

/** Whether a gateway was restarted (killed or drained) between the two times. */
export function restartBetween(from: number, to: number, events: readonly ProcessEvent[]): boolean {
  return events.some(
    (e) => (e.fault === "gateway-kill" || e.fault === "sigterm-drain") && e.until >= from && e.at <= to,
  );
}
