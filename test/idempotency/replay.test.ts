/**
 * Idempotency-Key replays with the in-memory store and a real redis-server: a stored answer is
 * replayed without calling the OMS, a different request with the key is refused, keys are per caller,
 * and a replay arriving while the first request runs waits for it. Every case checks what reached the
 * OMS: a replay must never send a command again.
 *
 * The Redis half needs the Debian package redis-server. Without it the Redis half is skipped on a
 * workstation and fails in CI (CI=true), where it must run.
 */
import { describe, expect, it } from "vitest";
import { type UpdatePackageShipmentInput, UpdatePackageShipmentsDocument } from "../generated/operations.js";
import { type Harness } from "../helpers/harness.js";
import {
  CALLER_A,
  expectFresh,
  expectRefusal,
  expectReplayOf,
  input,
  keyedGateways,
  REUSED,
  requestLine,
  single,
} from "../helpers/idempotency.js";
import { newKey } from "../helpers/idempotency-key.js";
import { commandPath } from "../helpers/oms-paths.js";
import { SKIP_MESSAGE, SKIP_REDIS } from "../helpers/redis.js";
import { until } from "../helpers/until.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const CALLER_B = { authorization: "Bearer key-b" };

function bulk(h: Harness, inputs: UpdatePackageShipmentInput[], headers: Record<string, string>) {
  return h.gql(UpdatePackageShipmentsDocument, { inputs }, headers);
}

const IN_PROGRESS = "A request with this Idempotency-Key is still running; ask again later for its result.";

// ---------------------------------------------------------------------------------------------

describe.each([{ store: "memory" }, { store: "Redis" }])(
  "Idempotency-Key with the $store store",
  ({ store }) => {
    if (store === "Redis" && SKIP_REDIS) {
      it.skip(SKIP_MESSAGE, () => {});
      return;
    }

    const gw = keyedGateways(store);

    it("replays a single mutation's stored response without calling the OMS", async () => {
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const firstId = `idem-first-${store}`;
      const first = await single(gw.h, input(2001, "IDEM-1"), { ...headers, "x-request-id": firstId });
      expectFresh(first);
      const firstLine = await requestLine(gw.h, firstId);
      expect(first.body).toStrictEqual({
        data: {
          updatePackageShipment: {
            __typename: "ShipmentUpdated",
            shipment: { trackingNumber: "IDEM-1", queryNumber: null },
          },
        },
      });
      expect(gw.h.sim.requests).toHaveLength(1);
      const label = gw.h.sim.getPackage(2001)?.shipping_label;

      for (const attempt of [1, 2]) {
        const requestId = `idem-replay-${store}-${attempt}`;
        const again = await single(gw.h, input(2001, "IDEM-1"), { ...headers, "x-request-id": requestId });
        expectReplayOf(again, first);
        const line = await requestLine(gw.h, requestId);
        expect(line.outcome).toBe("replayed");
        // Apollo did not run, but the line names the operation replayed, as the first run's did.
        expect(line.operation).toBe(firstLine.operation);
        expect(line.operation).toMatch(/\w/);
        expect(line.oms).toStrictEqual([]);
      }
      expect(gw.h.sim.requests).toHaveLength(1);
      // A command sent again would have regenerated the label.
      expect(gw.h.sim.getPackage(2001)?.shipping_label).toStrictEqual(label);
    });

    it("replays a bulk mutation's stored response, failed items included, without calling the OMS", async () => {
      gw.h.sim.injectFault({ path: commandPath(2012), times: 1, fault: { kind: "status", status: 500 } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const inputs = [input(2010, "B-0"), { ...input(2011, "B-1"), transitionId: 50 }, input(2012, "B-2")];
      const first = await bulk(gw.h, inputs, headers);
      expectFresh(first);
      expect(first.body.data?.updatePackageShipments.map((item) => item.__typename)).toStrictEqual([
        "ShipmentUpdated",
        "CommandRejected",
        "CommandFailed",
      ]);
      expect(gw.h.commands()).toHaveLength(3);
      // The 500 left the third item's outcome unknown: one verification read of that package.
      const received = gw.h.sim.requests.length;

      const again = await bulk(gw.h, inputs, headers);
      expectReplayOf(again, first);
      expect(gw.h.sim.requests).toHaveLength(received);
    });

    it("refuses the same key with a different request (422) without calling the OMS, and keeps the first", async () => {
      const key = newKey();
      const headers = { ...CALLER_A, "idempotency-key": key };
      const first = await single(gw.h, input(2020, "REUSE-1"), headers);
      expectFresh(first);

      const otherVariables = await single(gw.h, input(2020, "REUSE-2"), headers);
      expectRefusal(otherVariables, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
      const otherMutation = await bulk(gw.h, [input(2020, "REUSE-1")], headers);
      expectRefusal(otherMutation, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
      expect(gw.h.sim.requests).toHaveLength(1);
      expect(gw.h.sim.getPackage(2020)?.shipment?.awb_number).toBe("REUSE-1");

      expectReplayOf(await single(gw.h, input(2020, "REUSE-1"), headers), first);
      expect(gw.h.sim.requests).toHaveLength(1);
    });

    it("scopes keys per caller: the same key from two callers runs twice", async () => {
      const key = newKey();
      const fromA = await single(gw.h, input(2030, "SCOPE"), { ...CALLER_A, "idempotency-key": key });
      const fromB = await single(gw.h, input(2030, "SCOPE"), { ...CALLER_B, "idempotency-key": key });
      expectFresh(fromA);
      expectFresh(fromB);
      expect(gw.h.commands()).toHaveLength(2);

      expectReplayOf(
        await single(gw.h, input(2030, "SCOPE"), { ...CALLER_B, "idempotency-key": key }),
        fromB,
      );
      // A's record is untouched by B's: A's own different request under the key is still refused.
      const otherFromA = await single(gw.h, input(2030, "OTHER"), { ...CALLER_A, "idempotency-key": key });
      expectRefusal(otherFromA, 422, "IDEMPOTENCY_KEY_REUSED", REUSED);
      expect(gw.h.commands()).toHaveLength(2);
    });

    it("makes a replay that arrives while the first request runs wait for it; one command at the OMS", async () => {
      gw.h.sim.injectFault({ path: commandPath(2040), times: 1, fault: { kind: "latency", ms: 300 } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const firstPromise = single(gw.h, input(2040, "WAIT"), headers);
      await until(() => gw.h.commands().length === 1, "the first command to reach the OMS");
      const second = await single(gw.h, input(2040, "WAIT"), headers);
      const first = await firstPromise;

      expectFresh(first);
      expect(first.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expectReplayOf(second, first);
      expect(gw.h.sim.requests).toHaveLength(1);
    });

    it("answers 409 IDEMPOTENCY_KEY_IN_PROGRESS when the first request outlasts twice the OMS deadline", async () => {
      // Ten commands one at a time, 60 ms each: ~600 ms, against a replay's 200 ms of patience.
      gw.short.sim.injectFault({ path: /\/command\/$/, fault: { kind: "latency", ms: 60 } });
      const ids = Array.from({ length: 10 }, (_, i) => 2050 + i);
      const inputs = ids.map((id) => input(id, `SLOW-${id}`));
      const headers = { "idempotency-key": newKey() };
      let firstDone = false;
      const firstPromise = bulk(gw.short, inputs, headers).finally(() => {
        firstDone = true;
      });
      await until(() => gw.short.commands().length >= 1, "the first command to reach the OMS");

      const second = await bulk(gw.short, inputs, headers);
      expectRefusal(second, 409, "IDEMPOTENCY_KEY_IN_PROGRESS", IN_PROGRESS);
      expect(firstDone).toBe(false);

      const first = await firstPromise;
      expectFresh(first);
      expect(first.body.data?.updatePackageShipments).toHaveLength(10);
      expect(gw.short.commands().map((r) => r.path)).toStrictEqual(ids.map(commandPath));
      // Once finished, the same key replays the first answer.
      expectReplayOf(await bulk(gw.short, inputs, headers), first);
      expect(gw.short.commands()).toHaveLength(10);
    });
  },
);
