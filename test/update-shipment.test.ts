import { describe, expect, it } from "vitest";
import { OmsError } from "../src/domain/errors.js";
import type { PackageRecord, PackageStatus, Shipment } from "../src/domain/package.js";
import type { CallOptions, OmsPort } from "../src/domain/ports.js";
import type {
  TransitionConfig,
  UpdateShipmentCommand,
  UpdateShipmentOutcome,
} from "../src/domain/shipment.js";
import { updateShipment } from "../src/domain/update-shipment.js";

type Event =
  | { call: "loadPackage"; id: number }
  | { call: "forgetPackage"; id: number }
  | {
      call: "updateShipment";
      id: number;
      command: UpdateShipmentCommand;
      transitionId: number;
      options: CallOptions | undefined;
    }
  | { call: "getPackage"; id: number; options: CallOptions | undefined };

interface Script {
  transitions?: TransitionConfig;
  /** What the request's loader returns. */
  loaded?: PackageRecord | null | Error;
  /** What the command returns or throws. */
  command?: UpdateShipmentOutcome | Error;
  /** What the verification read returns or throws. */
  readBack?: PackageRecord | null | Error;
  /** Set: an earlier run of the request was interrupted at this time (epoch ms). */
  recoverSince?: number;
  /** The loader's read may be older than the command (a bulk call's read ahead). */
  readAhead?: boolean;
}

const PER_STATUS: TransitionConfig = {
  kind: "perStatus",
  byStatus: new Map<PackageStatus, number>([
    ["packed", 41],
    ["shipped", 42],
    ["delivered", 43],
    ["attempted_delivery", 44],
  ]),
};

const CALL_OPTIONS: CallOptions = { onCall: () => {} };

const COMMAND: UpdateShipmentCommand = {
  packageId: 1001,
  cargoCompanyId: 2,
  trackingNumber: "AR-555",
  queryNumber: "Q-555",
  transitionId: null,
};

function pkg(
  status: PackageStatus,
  shipment: Shipment | null = null,
  statusName: string = status,
  modifiedAt: string | null = null,
): PackageRecord {
  return {
    id: 1001,
    number: "PKG-1001",
    status,
    statusName,
    shipment,
    label: null,
    orderNumber: null,
    modifiedAt,
  };
}

/** The gateway's clock in these tests, and the OMS's modification times around it. */
const NOW = Date.parse("2026-12-01T12:00:00.000Z");
const SKEW_MS = 2_000;
const at = (offsetMs: number) => new Date(NOW + offsetMs).toISOString();

const REQUESTED: Shipment = { trackingNumber: "AR-555", queryNumber: "Q-555", cargoCompanyId: 2 };

const UPDATED: UpdateShipmentOutcome = { kind: "updated", packageId: 1001, shipment: REQUESTED };

const LOST = () =>
  new OmsError("OMS_OUTCOME_UNKNOWN", "The OMS did not answer the command in time.", { maybeApplied: true });

// Private: a fake port and loader that answer from the script and record every call in order.
function fake(script: Script) {
  const events: Event[] = [];
  let reached = 0;
  const answer = <T>(value: T | Error | undefined, fallback: T): Promise<T> => {
    if (value instanceof Error) return Promise.reject(value);
    return Promise.resolve(value === undefined ? fallback : value);
  };
  const oms: OmsPort = {
    async updateShipment(command, transitionId, options) {
      events.push({ call: "updateShipment", id: command.packageId, command, transitionId, options });
      // The adapter answers "applied" to a 204; what was applied is the use case's to say.
      const outcome = await answer(script.command, UPDATED);
      return outcome.kind === "updated" ? { kind: "applied" } : outcome;
    },
    getPackage(id, options) {
      events.push({ call: "getPackage", id, options });
      return answer(script.readBack, null);
    },
    listCargoCompanies() {
      throw new Error("the use case has no reason to list cargo companies");
    },
    getPackages() {
      throw new Error("the use case reads packages one by one, or through its loader");
    },
    listPackages() {
      throw new Error("the use case has no reason to list packages");
    },
  };
  const run = (command: UpdateShipmentCommand) =>
    updateShipment(
      {
        oms,
        transitions: script.transitions ?? PER_STATUS,
        loadPackage(id) {
          events.push({ call: "loadPackage", id });
          return answer(script.loaded, null);
        },
        forgetPackage(id) {
          events.push({ call: "forgetPackage", id });
        },
        callOptions: CALL_OPTIONS,
        clockSkewMs: SKEW_MS,
        recoverSince: script.recoverSince ?? null,
        readAhead: script.readAhead,
        onReachedOms() {
          reached++;
        },
        now: () => NOW,
      },
      command,
    );
  return { events, run, calls: () => events.map((e) => e.call), reached: () => reached };
}

/** What each command carried to the OMS: its values and the transition chosen. */
function sentBodies(events: Event[]) {
  return events.flatMap((e) => {
    if (e.call !== "updateShipment") return [];
    const { trackingNumber, queryNumber, cargoCompanyId } = e.command;
    return [{ transitionId: e.transitionId, trackingNumber, queryNumber, cargoCompanyId }];
  });
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the use case to throw");
}

describe("choosing the transition", () => {
  it("uses the caller's transition over the configuration and reads no package", async () => {
    const { events, run, calls } = fake({ loaded: pkg("packed") });
    expect(await run({ ...COMMAND, transitionId: 99 })).toEqual(UPDATED);
    expect(calls()).toEqual(["updateShipment", "forgetPackage"]);
    expect(sentBodies(events)).toEqual([
      { transitionId: 99, trackingNumber: "AR-555", queryNumber: "Q-555", cargoCompanyId: 2 },
    ]);
  });

  it("uses a single configured id without reading the package", async () => {
    const { events, run, calls } = fake({ transitions: { kind: "single", id: 7 }, loaded: pkg("packed") });
    await run(COMMAND);
    expect(calls()).toEqual(["updateShipment", "forgetPackage"]);
    expect(sentBodies(events)[0]?.transitionId).toBe(7);
  });

  it.each([
    ["packed", 41],
    ["shipped", 42],
    ["delivered", 43],
    ["attempted_delivery", 44],
  ] as [PackageStatus, number][])("reads a %s package once and uses transition %i", async (status, id) => {
    const { events, run, calls } = fake({ loaded: pkg(status) });
    await run(COMMAND);
    expect(calls()).toEqual(["loadPackage", "updateShipment", "forgetPackage"]);
    expect(events[0]).toEqual({ call: "loadPackage", id: 1001 });
    expect(sentBodies(events)).toEqual([
      { transitionId: id, trackingNumber: "AR-555", queryNumber: "Q-555", cargoCompanyId: 2 },
    ]);
  });

  it("passes the call options and the package id to the command", async () => {
    const { events, run } = fake({ loaded: pkg("packed") });
    await run(COMMAND);
    expect(events[1]).toMatchObject({ call: "updateShipment", id: 1001, options: CALL_OPTIONS });
  });

  it("answers PACKAGE_NOT_FOUND without a command when the package does not exist", async () => {
    const { run, calls } = fake({ loaded: null });
    expect(await run(COMMAND)).toStrictEqual({
      kind: "invalid",
      message: "The OMS has no package 1001.",
      problems: [{ field: "packageId", message: "The OMS has no package 1001.", code: "PACKAGE_NOT_FOUND" }],
    });
    expect(calls()).toEqual(["loadPackage"]);
  });

  it("answers TRANSITION_NOT_CONFIGURED naming the status, without a command", async () => {
    const { run, calls } = fake({ loaded: pkg("waiting") });
    const message =
      "No shipment transition is configured for packages in status WAITING; " +
      "the OMS accepts this command for PACKED, SHIPPED, DELIVERED and ATTEMPTED_DELIVERY packages.";
    expect(await run(COMMAND)).toStrictEqual({
      kind: "invalid",
      message,
      problems: [{ field: "packageId", message, code: "TRANSITION_NOT_CONFIGURED" }],
    });
    expect(calls()).toEqual(["loadPackage"]);
  });

  it("names the OMS's own status name for a status it does not know", async () => {
    const { run, calls } = fake({ loaded: pkg("other", null, "Out of Stock") });
    const outcome = await run(COMMAND);
    expect(outcome.kind).toBe("invalid");
    if (outcome.kind !== "invalid") return;
    expect(outcome.message).toContain("packages in status Out of Stock;");
    expect(outcome.problems).toEqual([
      { field: "packageId", message: outcome.message, code: "TRANSITION_NOT_CONFIGURED" },
    ]);
    expect(calls()).toEqual(["loadPackage"]);
  });

  it("answers TRANSITION_NOT_CONFIGURED for every status when no transition is configured", async () => {
    const { run, calls } = fake({
      transitions: { kind: "perStatus", byStatus: new Map() },
      loaded: pkg("packed"),
    });
    const outcome = await run(COMMAND);
    expect(outcome).toMatchObject({ kind: "invalid", problems: [{ code: "TRANSITION_NOT_CONFIGURED" }] });
    expect(calls()).toEqual(["loadPackage"]);
  });

  it("lets a failing package read through without sending the command", async () => {
    const failure = new OmsError("OMS_UNAVAILABLE", "down");
    const { run, calls } = fake({ loaded: failure });
    expect(await thrown(run(COMMAND))).toBe(failure);
    expect(calls()).toEqual(["loadPackage"]);
  });
});

describe("the command's answer", () => {
  it.each([
    [
      "invalid",
      {
        kind: "invalid",
        message: "Bad.",
        problems: [{ field: null, message: "Bad.", code: "OMS_VALIDATION" }],
      },
    ],
    ["rejected", { kind: "rejected", packageId: 1001, code: "package_locked", message: "Locked." }],
  ] as [string, UpdateShipmentOutcome][])("returns an %s outcome as it is", async (_kind, outcome) => {
    const { run, calls } = fake({ loaded: pkg("packed"), command: outcome });
    expect(await run(COMMAND)).toBe(outcome);
    expect(calls()).toEqual(["loadPackage", "updateShipment", "forgetPackage"]);
  });

  it.each([
    ["OMS_UNAVAILABLE", new OmsError("OMS_UNAVAILABLE", "down")],
    ["OMS_UNAUTHORIZED", new OmsError("OMS_UNAUTHORIZED", "refused")],
    ["OMS_RATE_LIMITED", new OmsError("OMS_RATE_LIMITED", "slow down", { retryAfterSeconds: 3 })],
    ["a programming error", new TypeError("boom")],
  ])("rethrows %s without a verification read", async (_name, failure) => {
    const { run, calls } = fake({ loaded: pkg("packed"), command: failure });
    expect(await thrown(run(COMMAND))).toBe(failure);
    expect(calls()).toEqual(["loadPackage", "updateShipment", "forgetPackage"]);
  });
});

describe("a lost answer (OMS_OUTCOME_UNKNOWN)", () => {
  it("reads the package back once and answers updated when it holds the requested shipment", async () => {
    const shipment = { trackingNumber: "AR-555", queryNumber: "Q-555", cargoCompanyId: 2 };
    const { events, run, calls } = fake({
      loaded: pkg("packed"),
      command: LOST(),
      readBack: pkg("packed", shipment),
    });
    expect(await run(COMMAND)).toStrictEqual({ kind: "updated", packageId: 1001, shipment });
    expect(calls()).toEqual(["loadPackage", "updateShipment", "getPackage", "forgetPackage"]);
    expect(events[2]).toEqual({ call: "getPackage", id: 1001, options: { ...CALL_OPTIONS, once: true } });
  });

  it("answers updated when the caller sent no query number and the package now has none", async () => {
    const shipment = { trackingNumber: "AR-555", queryNumber: null, cargoCompanyId: 2 };
    const { run } = fake({
      transitions: { kind: "single", id: 7 },
      command: LOST(),
      readBack: pkg("shipped", shipment, "shipped", at(150)),
    });
    expect(await run({ ...COMMAND, queryNumber: null })).toStrictEqual({
      kind: "updated",
      packageId: 1001,
      shipment,
    });
  });

  it("rethrows when the caller sent no query number but the package still holds one", async () => {
    // The command replaces the whole shipment, so an applied command leaves no query number behind.
    const lost = LOST();
    const { run } = fake({
      transitions: { kind: "single", id: 7 },
      command: lost,
      readBack: pkg("shipped", { trackingNumber: "AR-555", queryNumber: "Q-OLD", cargoCompanyId: 2 }),
    });
    expect(await thrown(run({ ...COMMAND, queryNumber: null }))).toBe(lost);
  });

  it.each([
    ["another tracking number", { trackingNumber: "AR-OLD", queryNumber: "Q-555", cargoCompanyId: 2 }],
    ["another cargo company", { trackingNumber: "AR-555", queryNumber: "Q-555", cargoCompanyId: 1 }],
    ["another query number", { trackingNumber: "AR-555", queryNumber: "Q-OLD", cargoCompanyId: 2 }],
    ["no shipment", null],
  ] as [string, Shipment | null][])(
    "rethrows the same error when the package holds %s",
    async (_name, shipment) => {
      const lost = LOST();
      const { events, run, calls } = fake({
        loaded: pkg("packed"),
        command: lost,
        readBack: pkg("packed", shipment),
      });
      expect(await thrown(run(COMMAND))).toBe(lost);
      expect(calls()).toEqual(["loadPackage", "updateShipment", "getPackage", "forgetPackage"]);
      expect(sentBodies(events)).toHaveLength(1);
    },
  );

  it("rethrows the same error when the package is gone", async () => {
    const lost = LOST();
    const { run } = fake({ loaded: pkg("packed"), command: lost, readBack: null });
    expect(await thrown(run(COMMAND))).toBe(lost);
  });

  it("rethrows the original error when the verification read fails", async () => {
    const lost = LOST();
    const { events, run, calls } = fake({
      loaded: pkg("packed"),
      command: lost,
      readBack: new OmsError("OMS_UNAVAILABLE", "still down"),
    });
    expect(await thrown(run(COMMAND))).toBe(lost);
    expect(calls()).toEqual(["loadPackage", "updateShipment", "getPackage", "forgetPackage"]);
    expect(sentBodies(events)).toHaveLength(1);
  });

  it("verifies through the OMS, not the request's possibly stale loader", async () => {
    const stale = pkg("packed", { trackingNumber: "AR-555", queryNumber: "Q-555", cargoCompanyId: 2 });
    const lost = LOST();
    const { run, calls } = fake({ loaded: stale, command: lost, readBack: pkg("packed") });
    expect(await thrown(run(COMMAND))).toBe(lost);
    expect(calls().filter((c) => c === "loadPackage")).toHaveLength(1);
    expect(calls().filter((c) => c === "getPackage")).toHaveLength(1);
  });
});

describe("after the command", () => {
  const paths: [string, Script][] = [
    ["updated", {}],
    ["rejected", { command: { kind: "rejected", packageId: 1001, code: "x", message: "No." } }],
    ["a transport failure", { command: new OmsError("OMS_UNAVAILABLE", "down") }],
    ["a verified lost answer", { command: LOST(), readBack: pkg("packed", REQUESTED) }],
    ["an unverified lost answer", { command: LOST(), readBack: pkg("packed") }],
  ];

  it.each(paths)(
    "forgets the package once, after the command, and never resends it: %s",
    async (_name, script) => {
      const { events, run, calls } = fake({ loaded: pkg("packed"), ...script });
      await run(COMMAND).catch(() => undefined);
      const order = calls();
      expect(order.filter((c) => c === "updateShipment")).toHaveLength(1);
      expect(order.filter((c) => c === "forgetPackage")).toHaveLength(1);
      expect(order.indexOf("forgetPackage")).toBeGreaterThan(order.indexOf("updateShipment"));
      expect(order.at(-1)).toBe("forgetPackage");
      expect(events.at(-1)).toEqual({ call: "forgetPackage", id: 1001 });
    },
  );
});

describe("a lost answer needs proof of a change, not only the requested values", () => {
  const single: TransitionConfig = { kind: "single", id: 7 };

  it.each([
    ["changed after the command was sent", at(300)],
    ["changed within the allowed clock skew before it", at(-SKEW_MS + 1)],
  ])("answers updated when the package was %s", async (_name, modifiedAt) => {
    const { run, calls } = fake({
      transitions: single,
      command: LOST(),
      readBack: pkg("packed", REQUESTED, "packed", modifiedAt),
    });
    expect(await run(COMMAND)).toStrictEqual(UPDATED);
    expect(calls()).toEqual(["updateShipment", "getPackage", "forgetPackage"]);
  });

  it.each([
    ["no change time", null],
    ["an older change time", at(-60_000)],
    ["an unreadable change time", "yesterday-ish"],
  ])("stays unknown when the package already held the values, with %s", async (_name, modifiedAt) => {
    const lost = LOST();
    const { run } = fake({
      transitions: single,
      command: lost,
      readBack: pkg("packed", REQUESTED, "packed", modifiedAt),
    });
    expect(await thrown(run(COMMAND))).toBe(lost);
  });

  it("takes the label's regeneration time as a change", async () => {
    const readBack = {
      ...pkg("packed", REQUESTED, "packed", at(-60_000)),
      label: { url: "u", updatedAt: at(10) },
    };
    const { run } = fake({ transitions: single, command: LOST(), readBack });
    expect(await run(COMMAND)).toStrictEqual(UPDATED);
  });

  it("compares with the read made before the command when there was one", async () => {
    // The OMS's clock may be far behind ours: a change time that moved since our own read still proves it.
    const before = pkg("packed", REQUESTED, "packed", at(-600_000));
    const moved = fake({
      loaded: before,
      command: LOST(),
      readBack: pkg("packed", REQUESTED, "packed", at(-500_000)),
    });
    expect(await moved.run(COMMAND)).toStrictEqual(UPDATED);
    const lost = LOST();
    const still = fake({ loaded: before, command: lost, readBack: before });
    expect(await thrown(still.run(COMMAND))).toBe(lost);
  });

  it("does not compare with a read ahead, which another writer may have overtaken", async () => {
    const before = pkg("packed", null, "packed", at(-600_000));
    const changedSinceRead = pkg("packed", REQUESTED, "packed", at(-500_000));
    const lost = LOST();
    const ahead = fake({ loaded: before, command: lost, readBack: changedSinceRead, readAhead: true });
    expect(await thrown(ahead.run(COMMAND))).toBe(lost);
    expect(ahead.calls()).toEqual(["loadPackage", "updateShipment", "getPackage", "forgetPackage"]);
    // A change time after the command was sent still proves it.
    const recent = pkg("packed", REQUESTED, "packed", at(10));
    const proven = fake({ loaded: before, command: LOST(), readBack: recent, readAhead: true });
    expect(await proven.run(COMMAND)).toStrictEqual(UPDATED);
  });
});

describe("which answers reached the OMS", () => {
  it.each([
    ["an update", {}, 1],
    ["a rejection", { command: { kind: "rejected", packageId: 1001, code: "x", message: "No." } }, 1],
    ["an unknown outcome", { command: LOST(), readBack: pkg("packed") }, 1],
    ["a transport failure before sending", { command: new OmsError("OMS_UNAVAILABLE", "down") }, 0],
    ["a rate limit", { command: new OmsError("OMS_RATE_LIMITED", "slow") }, 0],
  ] as [string, Script, number][])("%s counts %i", async (_name, script, count) => {
    const { run, reached } = fake({ loaded: pkg("packed"), ...script });
    await run(COMMAND).catch(() => undefined);
    expect(reached()).toBe(count);
  });

  it("a choice of transition that refuses the command locally does not count", async () => {
    const { run, reached } = fake({ loaded: pkg("waiting") });
    await run(COMMAND);
    expect(reached()).toBe(0);
  });
});

describe("a retry of an interrupted request (recoverSince)", () => {
  const since = NOW - 30_000;

  it("answers updated from the package, without sending again, when the earlier run applied it", async () => {
    const { run, calls, reached } = fake({
      recoverSince: since,
      readBack: pkg("packed", REQUESTED, "packed", new Date(since + 5_000).toISOString()),
    });
    expect(await run({ ...COMMAND, transitionId: 41 })).toStrictEqual(UPDATED);
    expect(calls()).toEqual(["getPackage"]);
    expect(reached()).toBe(1);
  });

  it.each([
    ["other values", pkg("packed", { ...REQUESTED, trackingNumber: "AR-OLD" }, "packed", at(0))],
    [
      "the values from before the earlier run began",
      pkg("packed", REQUESTED, "packed", new Date(since - 60_000).toISOString()),
    ],
    ["no package", null],
  ] as [string, PackageRecord | null][])(
    "sends the command when the package shows %s",
    async (_name, readBack) => {
      const { events, run, calls } = fake({ recoverSince: since, readBack });
      await run({ ...COMMAND, transitionId: 41 });
      expect(calls()).toEqual(["getPackage", "updateShipment", "forgetPackage"]);
      expect(sentBodies(events)).toHaveLength(1);
    },
  );

  it.each([
    ["the package cannot be read", new OmsError("OMS_UNAVAILABLE", "down")],
    ["the values are there but no change time says when", pkg("packed", REQUESTED)],
  ] as [string, PackageRecord | Error][])(
    "answers OMS_OUTCOME_UNKNOWN and sends nothing when %s",
    async (_name, readBack) => {
      const { run, calls, reached } = fake({ recoverSince: since, readBack });
      const error = await thrown(run({ ...COMMAND, transitionId: 41 }));
      expect(error).toBeInstanceOf(OmsError);
      expect((error as OmsError).code).toBe("OMS_OUTCOME_UNKNOWN");
      expect(calls()).toEqual(["getPackage"]);
      expect(reached()).toBe(1);
    },
  );
});
