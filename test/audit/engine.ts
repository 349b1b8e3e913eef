/**
 * One outcome-audit run: starts the counting OMS, Redis when asked, and the gateway as a process;
 * sends the seeded schedule of requests through it with a few callers at once; fires the process
 * faults; then checks every answer against the OMS's record. Everything it started is stopped,
 * also when the run fails.
 */
import { type CommandRecord, CountingOms } from "../helpers/counting-oms.js";
import {
  type CheckContext,
  checkRun,
  type ItemVerdict,
  type ProcessEvent,
  type Violation,
} from "./checker.js";
import { type RequestLog, sendPlanned } from "./client.js";
import { Fleet } from "./fleet.js";
import { type Running, runProcessFault, Triggers } from "./process-faults.js";
import { AuditRedis } from "./redis.js";
import { buildSchedule, type PlannedRequest, PROCESS_FAULTS, type ProcessFault } from "./schedule.js";
import { formatTable } from "./table.js";

export interface AuditOptions {
  seed: number;
  requests: number;
  /** Requests in flight at once. */
  concurrency: number;
  store: "memory" | "redis";
  /** The gateway's OMS_TIMEOUT_MS: short, so hangs cost little. */
  omsTimeoutMs?: number;
  /** How the gateway chooses the transition (see GatewaySettings); "single" by default. */
  transitions?: "single" | "per-status";
  /** Defaults to every process fault the store allows. */
  processFaults?: readonly ProcessFault[];
  log?: (line: string) => void;
}

export interface AuditReport {
  options: AuditOptions;
  verdicts: ItemVerdict[];
  violations: Violation[];
  events: ProcessEvent[];
  logs: RequestLog[];
  /** The OMS's record: every command received. */
  commands: CommandRecord[];
  /** Every fault the OMS's record shows a command got: proof the schedule reached the gateway. */
  faultsSeen: Set<string>;
  /** Package reads the OMS got as one list call for several ids. */
  batchedReads: number;
  table: string;
  durationMs: number;
}

const OMS_TOKEN = "audit-oms-token";

export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const started = Date.now();
  const log = options.log ?? (() => undefined);
  const omsTimeoutMs = options.omsTimeoutMs ?? 1_000;
  const processFaults =
    options.processFaults ??
    PROCESS_FAULTS.filter((f) => !f.startsWith("redis") || options.store === "redis");
  const schedule = buildSchedule({ seed: options.seed, requests: options.requests, processFaults });
  const events: ProcessEvent[] = [];
  const faultsRunning: Promise<void>[] = [];
  const triggers = new Triggers(schedule);

  let oms: CountingOms | null = null;
  let redis: AuditRedis | null = null;
  let fleet: Fleet | null = null;
  try {
    oms = await CountingOms.start({
      token: OMS_TOKEN,
      lateMs: omsTimeoutMs + 600,
      readFailMs: omsTimeoutMs * 3,
      onCommand: (record) => triggers.commandReceived(record),
    });
    if (options.store === "redis") redis = await AuditRedis.start();
    fleet = await Fleet.start({
      omsUrl: oms.url,
      omsToken: OMS_TOKEN,
      omsTimeoutMs,
      redisUrl: redis?.url ?? null,
      transitions: options.transitions ?? "single",
    });
    const logs: RequestLog[] = [];
    const liveOms = oms;
    const liveFleet = fleet;
    const live: Running = {
      oms,
      redis,
      fleet,
      late: schedule.filter((plan) => plan.lateInDrain),
      async send(plan) {
        for (const item of plan.items) liveOms.plan(item.packageId, item.values, item.command);
        logs[plan.id] = await sendPlanned(plan, options.seed, () => liveFleet.target());
      },
    };
    triggers.fire = (fault) => {
      log(`process fault: ${fault}`);
      const running = runProcessFault(fault, live, events);
      faultsRunning.push(running);
      return running;
    };
    await sendAll(schedule, options, live, triggers, log);
    await Promise.all(faultsRunning);
    if (!fleet.healthy) throw new Error(`the gateway stopped during the run:\n${fleet.recentOutput}`);
    const context: CheckContext = { store: options.store, events };
    const verdicts = checkRun(logs.filter(Boolean), oms, context);
    return {
      options: { ...options, processFaults },
      verdicts,
      violations: verdicts.flatMap((v) => v.violations),
      events,
      logs,
      commands: oms.allCommands(),
      faultsSeen: new Set(oms.allCommands().map((c) => c.fault)),
      batchedReads: oms.batchedReads,
      table: formatTable(verdicts),
      durationMs: Date.now() - started,
    };
  } finally {
    await Promise.allSettled(faultsRunning);
    await fleet?.stop();
    await redis?.stop();
    await oms?.close();
  }
}

async function sendAll(
  schedule: readonly PlannedRequest[],
  options: AuditOptions,
  running: Running,
  triggers: Triggers,
  log: (line: string) => void,
): Promise<void> {
  const queue = schedule.filter((plan) => !plan.lateInDrain);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < queue.length) {
      const plan = queue[next++] as PlannedRequest;
      // A process fault must meet a request that reaches the OMS, not one refused by an open breaker.
      if (plan.trigger) await triggers.turn(plan, () => running.oms.healedAt);
      if (plan.trigger === "breaker-storm") triggers.fireFor(plan);
      await running.send(plan);
      if (triggers.pending(plan)) {
        log(`request ${plan.id} reached the OMS with no command; its ${plan.trigger} is fired now`);
        triggers.fireFor(plan);
      }
      if (++done % 50 === 0) log(`${done} of ${queue.length} requests answered`);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
}
