/**
 * What Idempotency-Key stores, with the in-memory store and a real redis-server: not an answer that
 * changed nothing (429), not a request refused before it ran, but OMS_OUTCOME_UNKNOWN; and nothing
 * after IDEMPOTENCY_TTL_SECONDS.
 *
 * The Redis half needs the Debian package redis-server (skipped without it on a workstation; must run in CI).
 */
import { print } from "graphql";
import { describe, expect, it } from "vitest";
import { UpdateShipmentOnlyDocument } from "../generated/operations.js";
import {
  CALLER_A,
  expectFresh,
  expectReplayOf,
  input,
  keyedGateways,
  single,
} from "../helpers/idempotency.js";
import { newKey } from "../helpers/idempotency-key.js";
import { commandPath } from "../helpers/oms-paths.js";
import { SKIP_MESSAGE, SKIP_REDIS } from "../helpers/redis.js";

describe.each([{ store: "memory" }, { store: "Redis" }])(
  "Idempotency-Key with the $store store",
  ({ store }) => {
    if (store === "Redis" && SKIP_REDIS) {
      it.skip(SKIP_MESSAGE, () => {});
      return;
    }

    const gw = keyedGateways(store);

    it("does not store an answer that changed nothing (OMS 429): a retry with the key runs again", async () => {
      gw.h.sim.injectFault({ path: commandPath(2070), times: 1, fault: { kind: "status", status: 429 } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const failed = await single(gw.h, input(2070, "RETRY"), headers);
      expectFresh(failed);
      expect(failed.body.data).toBeNull();
      expect(failed.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["OMS_RATE_LIMITED"]);
      expect(gw.h.commands()).toHaveLength(1);

      const retried = await single(gw.h, input(2070, "RETRY"), headers);
      expectFresh(retried);
      expect(retried.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(gw.h.commands()).toHaveLength(2);

      expectReplayOf(await single(gw.h, input(2070, "RETRY"), headers), retried);
      expect(gw.h.commands()).toHaveLength(2);
    });

    it("does not store a request refused before it ran: the key is free for the corrected request", async () => {
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      // Variables the schema refuses: Apollo answers 400 before any resolver runs.
      const incomplete = await gw.h.gql(
        print(UpdateShipmentOnlyDocument),
        { input: { packageId: "2071" } },
        headers,
      );
      expect(incomplete.status).toBe(400);
      // One error per missing field: cargoCompanyId and trackingNumber.
      expect(incomplete.body.errors?.map((e) => e.extensions?.code)).toStrictEqual([
        "BAD_USER_INPUT",
        "BAD_USER_INPUT",
      ]);
      expect(incomplete.headers["idempotent-replayed"]).toBeUndefined();
      expect(gw.h.sim.requests).toHaveLength(0);

      const corrected = await single(gw.h, input(2071, "FIXED"), headers);
      expectFresh(corrected);
      expect(corrected.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(gw.h.commands()).toHaveLength(1);
    });

    it("stores OMS_OUTCOME_UNKNOWN: the replay neither resends the command nor reads the package", async () => {
      gw.h.sim.injectFault({ path: commandPath(2080), times: 1, fault: { kind: "reset" } });
      const headers = { ...CALLER_A, "idempotency-key": newKey() };
      const first = await single(gw.h, input(2080, "UNKNOWN"), headers);
      expectFresh(first);
      expect(first.body.data).toBeNull();
      expect(first.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["OMS_OUTCOME_UNKNOWN"]);
      // The command and its verification read.
      expect(gw.h.sim.requests.map((r) => `${r.method} ${r.path}`)).toStrictEqual([
        `POST ${commandPath(2080)}`,
        "GET /api/v1/oms/packages/2080/",
      ]);

      expectReplayOf(await single(gw.h, input(2080, "UNKNOWN"), headers), first);
      expect(gw.h.sim.requests).toHaveLength(2);
    });

    it("forgets a key after IDEMPOTENCY_TTL_SECONDS", async () => {
      const headers = { "idempotency-key": newKey() };
      const first = await single(gw.short, input(2095, "TTL"), headers);
      expectFresh(first);
      expectReplayOf(await single(gw.short, input(2095, "TTL"), headers), first);
      expect(gw.short.commands()).toHaveLength(1);

      await new Promise((resolve) => setTimeout(resolve, 1_200));
      const later = await single(gw.short, input(2095, "TTL"), headers);
      expectFresh(later);
      expect(later.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(gw.short.commands()).toHaveLength(2);
    });
  },
);
