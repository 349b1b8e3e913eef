/**
 * The fault schedule of one audit run, drawn from a seed: which requests are single or bulk, keyed
 * or not, what each command gets from the OMS, and which request triggers each process fault.
 */
import {
  COMMAND_FAULTS,
  type CommandFault,
  type PlannedCommand,
  type ShipmentValues,
} from "../helpers/counting-oms.js";
import { Prng } from "./prng.js";

// In this order through the run: the drain last, so its late arrivals meet a settled breaker.
export const PROCESS_FAULTS = [
  "breaker-storm",
  "redis-kill",
  "redis-pause",
  "gateway-kill",
  "sigterm-drain",
] as const;
export type ProcessFault = (typeof PROCESS_FAULTS)[number];

export interface PlannedItem {
  packageId: number;
  values: ShipmentValues;
  command: PlannedCommand;
}

export interface PlannedRequest {
  id: number;
  kind: "single" | "bulk";
  /**
   * The Idempotency-Key, or null. Now and then a caller sends the key text the other caller used
   * for its own request: keys are scoped per caller, so each must still get its own answer.
   */
  key: string | null;
  /** Which of the two callers sends it. */
  caller: 0 | 1;
  /** Selects `ShipmentUpdated.package`, which costs a read after the command. */
  selectPackage: boolean;
  items: PlannedItem[];
  /** A keyed request also sent a second time at once, as an impatient or doubled client would. */
  twin?: boolean;
  /** Fired when the OMS receives this request's first command (a storm: when the request starts). */
  trigger?: ProcessFault;
  /**
   * Not sent by the callers' loop: sent to a draining gateway near the end of its grace period, on
   * the connections still open to it, with a command the OMS applies and never answers.
   */
  lateInDrain?: boolean;
}

export interface ScheduleOptions {
  seed: number;
  requests: number;
  processFaults: readonly ProcessFault[];
}

const FIRST_PACKAGE_ID = 100_000;
// About two commands in five fail the transport: the breaker opens now and then, not all the time.
const NORMAL_WEIGHT = 40;
const FAULT_WEIGHT = 4;
const FIVE_XX = [500, 502, 504] as const;
/** Requests sent late into each drain. */
export const LATE_IN_DRAIN = 4;
const SHARED_KEY_CHANCE = 0.25;
const TWIN_CHANCE = 0.1;
const MIN_PLANS_PER_FAULT = 4;
const REQUESTS_PER_CYCLE = 100;

/** The same options always give the same schedule. */
export function buildSchedule(options: ScheduleOptions): PlannedRequest[] {
  const prng = new Prng(options.seed);
  const weights = Object.fromEntries(
    COMMAND_FAULTS.map((fault) => [fault, fault === "normal" ? NORMAL_WEIGHT : FAULT_WEIGHT]),
  ) as Record<CommandFault, number>;
  // Every process fault once per REQUESTS_PER_CYCLE requests, spread evenly through the run.
  const cycles = Math.max(1, Math.floor(options.requests / REQUESTS_PER_CYCLE));
  const faults = Array.from({ length: cycles }, () => options.processFaults).flat();
  const triggers = new Map<number, ProcessFault>();
  faults.forEach((fault, k) => {
    triggers.set(Math.floor(((k + 1) * options.requests) / (faults.length + 1)), fault);
  });
  let nextPackage = FIRST_PACKAGE_ID;
  const requests: PlannedRequest[] = [];
  const unsharedKeyOf: [string | null, string | null] = [null, null];
  for (let id = 0; id < options.requests; id++) {
    const trigger = triggers.get(id);
    const shape = trigger ? triggerShape(trigger) : null;
    const kind = shape ? "bulk" : prng.chance(0.45) ? "bulk" : "single";
    const size = shape?.size ?? (kind === "bulk" ? prng.int(2, 10) : 1);
    const items: PlannedItem[] = [];
    for (let i = 0; i < size; i++) {
      const fault: CommandFault = shape ? "normal" : prng.weighted(weights);
      const command: PlannedCommand = { fault };
      if (fault.includes("5xx")) command.status = prng.pick(FIVE_XX);
      if (shape?.delayMs) command.delayMs = shape.delayMs;
      items.push(item(nextPackage++, `AUD-${options.seed}-${id}-${i}`, command, prng));
    }
    const keyed = shape ? true : prng.chance(0.7);
    const caller = prng.chance(0.5) ? 0 : 1;
    let key: string | null = null;
    if (keyed) {
      const other = unsharedKeyOf[1 - caller] ?? null;
      if (other !== null && prng.chance(SHARED_KEY_CHANCE)) {
        key = other;
        unsharedKeyOf[1 - caller] = null;
      } else {
        key = `audit-${options.seed}-${id}`;
        unsharedKeyOf[caller] = key;
      }
    }
    const twin = key !== null && !trigger && prng.chance(TWIN_CHANCE);
    requests.push({
      id,
      kind,
      key,
      caller,
      selectPackage: prng.chance(0.5),
      items,
      ...(twin ? { twin } : {}),
      ...(trigger ? { trigger } : {}),
    });
  }
  ensureEveryFault(requests, prng);
  const drains = faults.filter((fault) => fault === "sigterm-drain").length;
  if (drains > 0) {
    for (let k = 0; k < LATE_IN_DRAIN * drains; k++) {
      const id = requests.length;
      const command: PlannedCommand = { fault: "hang-after-apply" };
      const items = [item(nextPackage++, `AUD-${options.seed}-${id}-0`, command, prng)];
      requests.push({
        id,
        kind: "single",
        key: `audit-${options.seed}-${id}`,
        caller: 0,
        selectPackage: false,
        items,
        lateInDrain: true,
      });
    }
  }
  return requests;
}

// Private: a short run must still plan every fault a few times, or a clean result could mean
// only that the schedule missed the fault; some `normal` items are turned into the missing ones.
function ensureEveryFault(requests: PlannedRequest[], prng: Prng): void {
  const plain = requests.filter((r) => !r.trigger).flatMap((r) => r.items);
  const normal = plain.filter((i) => i.command.fault === "normal");
  for (const fault of COMMAND_FAULTS) {
    let missing = MIN_PLANS_PER_FAULT - plain.filter((i) => i.command.fault === fault).length;
    while (missing-- > 0 && normal.length > 0) {
      const chosen = normal.splice(prng.int(0, normal.length - 1), 1)[0] as PlannedItem;
      chosen.command = { fault, ...(fault.includes("5xx") ? { status: prng.pick(FIVE_XX) } : {}) };
    }
  }
}

function item(packageId: number, awb: string, command: PlannedCommand, prng: Prng): PlannedItem {
  const values = {
    awb_number: awb,
    query_number: prng.chance(0.5) ? `Q-${awb}` : null,
    cargo_company: prng.int(1, 3),
  };
  return { packageId, values, command };
}

// Private: the request that triggers a process fault is shaped so the fault lands while its
// commands are still running: many slow items for a crash mid-bulk, a few slow ones otherwise.
function triggerShape(fault: ProcessFault): { size: number; delayMs: number } | null {
  switch (fault) {
    case "gateway-kill":
      return { size: 40, delayMs: 60 };
    case "redis-kill":
    case "redis-pause":
      return { size: 6, delayMs: 300 };
    case "sigterm-drain":
      return { size: 6, delayMs: 400 };
    case "breaker-storm":
      return null;
  }
}
