/**
 * The process faults of an audit run: when each fires (the OMS receives its trigger request's first
 * command) and what it does (a breaker storm, Redis killed and restarted, the gateway killed or
 * drained and replaced), recorded as events for the checker.
 */

import type { Dispatcher } from "undici";
import type { CommandRecord, CountingOms } from "../helpers/counting-oms.js";
import type { ProcessEvent } from "./checker.js";
import type { Fleet } from "./fleet.js";
import { API_KEYS, SHUTDOWN_GRACE_MS } from "./gateway.js";
import type { AuditRedis } from "./redis.js";
import { LATE_IN_DRAIN, type PlannedRequest, type ProcessFault } from "./schedule.js";

const STORM_MS = 2_500;
/** The healthy spell after a storm: the gateway's breaker half-opens after 1 s and its probe succeeds. */
export const STORM_HEAL_MS = 2_000;
const REDIS_DOWN_MS = 800;
/** Longer than the gateway's Redis command timeout (its OMS deadline), so commands in flight fail. */
const REDIS_PAUSE_MS = 2_000;
/** Late arrivals in a drain come this long before its grace period ends: less than the OMS deadline. */
const LATE_BEFORE_GRACE_ENDS_MS = 700;
const KEEP_ALIVE_EVERY_MS = 100;

export interface Running {
  oms: CountingOms;
  redis: AuditRedis | null;
  fleet: Fleet;
  /** The requests sent to draining gateways near the end of their grace period, LATE_IN_DRAIN each. */
  late: PlannedRequest[];
  /** Plans the request's commands on the OMS, sends it (with its retries) and keeps its log. */
  send(plan: PlannedRequest): Promise<void>;
}

/**
 * Fires each request's process fault when the OMS receives the request's first command (a storm:
 * when the request starts), one fault at a time: a trigger request is sent only once the previous
 * fault is over and the OMS has healed from the last storm, so faults do not land on each other.
 */
export class Triggers {
  fire: (fault: ProcessFault) => Promise<void> = async () => undefined;
  private readonly byAwb = new Map<string, PlannedRequest>();
  private readonly endTurn = new Map<number, () => void>();
  private lane: Promise<void> = Promise.resolve();

  constructor(schedule: readonly PlannedRequest[]) {
    for (const plan of schedule) {
      if (plan.trigger && plan.trigger !== "breaker-storm") {
        for (const item of plan.items) this.byAwb.set(item.values.awb_number, plan);
      }
    }
  }

  /** Waits until `plan` may be sent: the previous fault is over and `healedAt()` has passed. */
  async turn(plan: PlannedRequest, healedAt: () => number): Promise<void> {
    const previous = this.lane;
    this.lane = new Promise((resolve) => this.endTurn.set(plan.id, resolve));
    await previous;
    await until(healedAt());
  }

  commandReceived(record: CommandRecord): void {
    const plan = this.byAwb.get(record.awb);
    if (plan) this.fireFor(plan);
  }

  pending(plan: PlannedRequest): boolean {
    return plan.items.some((item) => this.byAwb.has(item.values.awb_number));
  }

  fireFor(plan: PlannedRequest): void {
    for (const item of plan.items) this.byAwb.delete(item.values.awb_number);
    if (!plan.trigger) return;
    const done = () => this.endTurn.get(plan.id)?.();
    this.fire(plan.trigger).then(done, done);
  }
}

export async function runProcessFault(
  fault: ProcessFault,
  running: Running,
  events: ProcessEvent[],
): Promise<void> {
  const at = Date.now();
  switch (fault) {
    case "breaker-storm":
      running.oms.storm(STORM_MS, STORM_HEAL_MS);
      events.push({ fault, at, until: at + STORM_MS });
      return;
    case "redis-kill": {
      const event: ProcessEvent = { fault, at, until: Number.POSITIVE_INFINITY };
      events.push(event);
      await running.redis?.kill();
      await new Promise((resolve) => setTimeout(resolve, REDIS_DOWN_MS));
      await running.redis?.restart();
      event.until = Date.now();
      return;
    }
    case "redis-pause": {
      const event: ProcessEvent = { fault, at, until: Number.POSITIVE_INFINITY };
      events.push(event);
      await running.redis?.pause(REDIS_PAUSE_MS);
      event.until = Date.now();
      return;
    }
    case "gateway-kill":
    case "sigterm-drain": {
      const event: ProcessEvent = { fault, at, until: Number.POSITIVE_INFINITY };
      events.push(event);
      const fleet = running.fleet;
      const drained = fleet.serving();
      const load =
        fault === "sigterm-drain"
          ? Promise.all([sendLateInDrain(running, drained.exited), keepAliveLoad(drained)])
          : Promise.resolve();
      event.generation = await (fault === "gateway-kill" ? fleet.killAndReplace() : fleet.drainAndReplace());
      event.until = Date.now();
      await load;
      return;
    }
  }
}

// Private: a cheap query every KEEP_ALIVE_EVERY_MS on the connections already open to a draining
// gateway, as a load balancer's traffic keeps coming until it notices: a drain that keeps serving
// them stays up for its whole grace period; one that answers them with Connection: close does not.
async function keepAliveLoad(drained: { dispatcher: Dispatcher; exited: Promise<void> }): Promise<void> {
  let exited = false;
  void drained.exited.then(() => {
    exited = true;
  });
  const body = JSON.stringify({ query: "{ __typename }" });
  const headers = { "content-type": "application/json", authorization: `Bearer ${API_KEYS[0]}` };
  const stopAt = Date.now() + SHUTDOWN_GRACE_MS + 1_000;
  while (!exited && Date.now() < stopAt) {
    try {
      const res = await drained.dispatcher.request({ path: "/graphql", method: "POST", headers, body });
      await res.body.dump();
    } catch {
      // Refused or reset: the drain is closing connections, as it should.
    }
    await until(Date.now() + KEEP_ALIVE_EVERY_MS);
  }
}

// Private: these arrive while the drained gateway may still hold open connections, and their
// commands run past the end of its grace period: a drain that accepts them loses their answers.
// A gateway that has exited by then holds no connections: they are sent at once, to its successor.
async function sendLateInDrain(running: Running, drainedExited: Promise<void>): Promise<void> {
  await Promise.race([until(Date.now() + SHUTDOWN_GRACE_MS - LATE_BEFORE_GRACE_ENDS_MS), drainedExited]);
  const late = running.late.splice(0, LATE_IN_DRAIN);
  await Promise.all(
    late.map(async (plan, k) => {
      await until(Date.now() + k * 100);
      await running.send(plan);
    }),
  );
}

export async function until(time: number): Promise<void> {
  const wait = time - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
