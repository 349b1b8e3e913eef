/**
 * The outcome audit's checker and answer classes, on hand-made runs and answers: each rule must flag
 * the answer that breaks it and leave a truthful one alone, or a clean audit would prove nothing.
 */
import { describe, expect, it } from "vitest";
import { checkRun, type ProcessEvent } from "./audit/checker.js";
import { classifyAnswer, type ItemAnswer } from "./audit/classify.js";
import type { Attempt, RequestLog } from "./audit/client.js";
import type { PlannedRequest } from "./audit/schedule.js";
import type { CommandRecord } from "./helpers/counting-oms.js";

const PACKAGE = 7;
const AWB = "AUD-1-0-0";

function request(key: string | null = "k"): PlannedRequest {
  return {
    id: 0,
    kind: "single",
    key,
    caller: 0,
    selectPackage: false,
    items: [
      {
        packageId: PACKAGE,
        values: { awb_number: AWB, query_number: null, cargo_company: 1 },
        command: { fault: "normal" },
      },
    ],
  };
}

/** An attempt from `from` to `to` (ms) on gateway `generation`, answered `answer`. */
function attempt(from: number, to: number, answer: Partial<ItemAnswer>, generation = 1): Attempt {
  const item: ItemAnswer = { class: "updated", code: "ShipmentUpdated", ...answer };
  return { startedAt: from, endedAt: to, generation, httpStatus: 200, items: [item] };
}

function command(
  at: number,
  applied: boolean,
  answered: number | null = applied ? 204 : null,
): CommandRecord {
  return { packageId: PACKAGE, awb: AWB, body: {}, receivedAt: at, fault: "normal", applied, answered };
}

function check(
  attempts: Attempt[],
  commands: CommandRecord[],
  options: { key?: string | null; store?: "memory" | "redis"; events?: ProcessEvent[]; twin?: Attempt } = {},
) {
  const log: RequestLog = { plan: request(options.key === undefined ? "k" : options.key), attempts };
  if (options.twin) log.twin = options.twin;
  const oms = { commandsFor: (id: number) => (id === PACKAGE ? commands : []) };
  const [verdict] = checkRun([log], oms, { store: options.store ?? "redis", events: options.events ?? [] });
  return { kinds: verdict?.violations.map((v) => v.kind), verdict };
}

const UPDATED = { class: "updated", code: "ShipmentUpdated", about: AWB } as const;
const UNKNOWN = { class: "unknown", code: "OMS_OUTCOME_UNKNOWN" } as const;
const NOT_RUN = { class: "not-run", code: "OMS_UNAVAILABLE" } as const;
const LOST = { class: "lost", code: "UND_ERR_SOCKET" } as const;

describe("outcome audit checker", () => {
  it("accepts ShipmentUpdated for an applied command, and unknown for one whose answer was lost", () => {
    expect(check([attempt(0, 100, UPDATED)], [command(50, true)]).kinds).toEqual([]);
    expect(check([attempt(0, 100, UNKNOWN)], [command(50, true, null)]).kinds).toEqual([]);
    expect(check([attempt(0, 100, UNKNOWN)], [command(50, false, null)]).kinds).toEqual([]);
  });

  it("flags ShipmentUpdated when the OMS applied nothing", () => {
    expect(check([attempt(0, 100, UPDATED)], [command(50, false, null)]).kinds).toEqual([
      "updated-not-applied",
    ]);
  });

  it('flags "not run" while the command ran, and as the final word on an applied command', () => {
    expect(check([attempt(0, 100, NOT_RUN)], [command(50, true, 502)]).kinds).toEqual(["not-run-but-ran"]);
    const later = check([attempt(0, 100, UNKNOWN), attempt(200, 300, NOT_RUN)], [command(50, true, null)]);
    expect(later.kinds).toEqual(["applied-reported-failed"]);
  });

  it("flags a rejection or a lost answer for a command the OMS answered 204", () => {
    const rejected = { class: "not-applied", code: "package_locked" } as const;
    const replayed = [attempt(0, 100, rejected), attempt(200, 300, UPDATED)];
    expect(check(replayed, [command(50, true)]).kinds).toEqual(["204-not-reported"]);
    expect(check([attempt(0, 100, LOST)], [command(50, true)]).kinds).toEqual(["204-not-reported"]);
    // The 204 may have come after the gateway's deadline.
    expect(check([attempt(0, 100, UNKNOWN)], [command(50, true)]).kinds).toEqual([]);
  });

  it("flags a second applied command for one key, except across a restart with the memory store", () => {
    const attempts = [attempt(0, 100, UNKNOWN), attempt(400, 500, UPDATED, 2)];
    const commands = [command(50, true, null), command(450, true)];
    expect(check(attempts, commands).kinds).toEqual(["applied-twice"]);
    const restart: ProcessEvent = { fault: "gateway-kill", at: 200, until: 300, generation: 1 };
    const memory = check(attempts, commands, { store: "memory", events: [restart] });
    expect(memory.kinds).toEqual([]);
    expect(memory.verdict?.memoryRestart).toBe("applied again after a restart");
    expect(check(attempts, commands, { store: "redis", events: [restart] }).kinds).toEqual(["applied-twice"]);
  });

  it("flags an answer lost in a drain when its command was applied, not one lost to a kill", () => {
    const drain: ProcessEvent = { fault: "sigterm-drain", at: 20, until: 5_000, generation: 1 };
    const kill: ProcessEvent = { ...drain, fault: "gateway-kill" };
    const lost = [attempt(0, 100, LOST)];
    expect(check(lost, [command(50, true, null)], { events: [drain] }).kinds).toEqual(["drain-lost-answer"]);
    expect(check(lost, [command(50, true, null)], { events: [kill] }).kinds).toEqual([]);
    expect(check(lost, [command(50, false, null)], { events: [drain] }).kinds).toEqual([]);
  });

  it("holds a twin sent beside the first attempt to what it claims, and counts its command", () => {
    const busy = attempt(0, 100, { class: "in-progress", code: "IDEMPOTENCY_KEY_IN_PROGRESS" });
    expect(check([attempt(0, 100, UPDATED)], [command(50, true)], { twin: busy }).kinds).toEqual([]);
    const twinUpdated = attempt(0, 100, UPDATED);
    const nothing = check([attempt(0, 100, UNKNOWN)], [command(50, false, null)], { twin: twinUpdated });
    expect(nothing.kinds).toEqual(["updated-not-applied"]);
    const twice = check([attempt(0, 100, UPDATED)], [command(50, true), command(60, true)], {
      twin: twinUpdated,
    });
    expect(twice.kinds).toEqual(["applied-twice"]);
  });

  it("flags a key left in progress, an answer about another request, and a retry refused as a reused key", () => {
    const busy = { class: "in-progress", code: "IDEMPOTENCY_KEY_IN_PROGRESS" } as const;
    expect(check([attempt(0, 100, busy)], []).kinds).toEqual(["key-stuck-in-progress"]);
    const foreign = { ...UPDATED, about: "AUD-1-9-0" };
    expect(check([attempt(0, 100, foreign)], [command(50, true)]).kinds).toEqual([
      "answer-of-another-request",
    ]);
    const reused = { class: "not-run", code: "IDEMPOTENCY_KEY_REUSED" } as const;
    expect(check([attempt(0, 100, reused)], []).kinds).toEqual(["key-refused-as-reused"]);
  });
});

describe("outcome audit answer classes", () => {
  const classes = (kind: "single" | "bulk", size: number, status: number | null, body: unknown) =>
    classifyAnswer(kind, size, status, body).map((item) => `${item.class}/${item.code}`);

  it("reads bulk items one by one, CommandFailed by outcomeKnown", () => {
    const body = {
      data: {
        updatePackageShipments: [
          { __typename: "ShipmentUpdated", shipment: { trackingNumber: "A" } },
          { __typename: "CommandRejected", code: "package_locked", packageId: "2" },
          { __typename: "CommandFailed", code: "OMS_OUTCOME_UNKNOWN", outcomeKnown: false, packageId: "3" },
          { __typename: "CommandFailed", code: "OMS_CIRCUIT_OPEN", outcomeKnown: true, packageId: "4" },
        ],
      },
    };
    expect(classes("bulk", 4, 200, body)).toEqual([
      "updated/ShipmentUpdated",
      "not-applied/package_locked",
      "unknown/OMS_OUTCOME_UNKNOWN",
      "not-run/OMS_CIRCUIT_OPEN",
    ]);
  });

  it("gives a top-level error to every item, and keeps ShipmentUpdated whose package read failed", () => {
    const unknown = { data: null, errors: [{ message: "m", extensions: { code: "OMS_OUTCOME_UNKNOWN" } }] };
    expect(classes("bulk", 2, 200, unknown)).toEqual([
      "unknown/OMS_OUTCOME_UNKNOWN",
      "unknown/OMS_OUTCOME_UNKNOWN",
    ]);
    const draining = { errors: [{ message: "m", extensions: { code: "SHUTTING_DOWN" } }] };
    expect(classes("single", 1, 503, draining)).toEqual(["not-run/SHUTTING_DOWN"]);
    const busy = { errors: [{ message: "m", extensions: { code: "IDEMPOTENCY_KEY_IN_PROGRESS" } }] };
    expect(classes("single", 1, 409, busy)).toEqual(["in-progress/IDEMPOTENCY_KEY_IN_PROGRESS"]);
    const readFailed = {
      data: { updatePackageShipment: { __typename: "ShipmentUpdated", package: null } },
      errors: [
        { message: "m", path: ["updatePackageShipment", "package"], extensions: { code: "OMS_UNAVAILABLE" } },
      ],
    };
    expect(classes("single", 1, 200, readFailed)).toEqual(["updated/ShipmentUpdated"]);
    expect(classes("single", 1, null, null)).toEqual(["lost/NO_ANSWER"]);
  });
});
