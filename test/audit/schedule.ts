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

export const PROCESS_FAULTS = ["redis-kill", "gateway-kill", "sigterm-drain", "breaker-storm"] as const;
export type ProcessFault = (typeof PROCESS_FAULTS)[number];

export interface PlannedItem {
  packageId: number;
  values: ShipmentValues;
  command: PlannedCommand;
}

export interface PlannedRequest {
  id: number;
  kind: "single" | "bulk";
  keyed: boolean;
  /** Which of the two callers sends it. */
  caller: 0 | 1;
  /** Selects `ShipmentUpdated.package`, which costs a read after the command. */
  selectPackage: boolean;
  items: PlannedItem[];
  /** Fired when the OMS receives this request's first command (a storm: when the request starts). */
  trigger?: ProcessFault;
}

export interface ScheduleOptions {
  seed: number;
  requests: number;
  processFaults: readonly ProcessFault[];
}

const FIRST_PACKAGE_ID = 100_000;
const NORMAL_WEIGHT = 26;
const FAULT_WEIGHT = 6;
const FIVE_XX = [500, 502, 504] as const;

/** The same options always give the same schedule. */
export function buildSchedule(options: ScheduleOptions): PlannedRequest[] {
  const prng = new Prng(options.seed);
  const weights = Object.fromEntries(
    COMMAND_FAULTS.map((fault) => [fault, fault === "normal" ? NORMAL_WEIGHT : FAULT_WEIGHT]),
  ) as Record<CommandFault, number>;
  const triggers = new Map<number, ProcessFault>();
  options.processFaults.forEach((fault, k) => {
    triggers.set(Math.floor(((k + 1) * options.requests) / (options.processFaults.length + 1)), fault);
  });
  let nextPackage = FIRST_PACKAGE_ID;
  const requests: PlannedRequest[] = [];
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
      items.push({
        packageId: nextPackage++,
        values: {
          awb_number: `AUD-${options.seed}-${id}-${i}`,
          query_number: prng.chance(0.5) ? `Q-${id}-${i}` : null,
          cargo_company: prng.int(1, 3),
        },
        command,
      });
    }
    requests.push({
      id,
      kind,
      keyed: shape ? true : prng.chance(0.7),
      caller: prng.chance(0.5) ? 0 : 1,
      selectPackage: prng.chance(0.5),
      items,
      ...(trigger ? { trigger } : {}),
    });
  }
  return requests;
}

// Private: the request that triggers a process fault is shaped so the fault lands while its
// commands are still running: many slow items for a crash mid-bulk, a few slow ones otherwise.
function triggerShape(fault: ProcessFault): { size: number; delayMs: number } | null {
  switch (fault) {
    case "gateway-kill":
      return { size: 40, delayMs: 60 };
    case "redis-kill":
      return { size: 6, delayMs: 300 };
    case "sigterm-drain":
      return { size: 6, delayMs: 400 };
    case "breaker-storm":
      return null;
  }
}
