/**
 * Idempotency-Key values, with the in-memory store and a real redis-server: malformed keys are refused
 * with 400 and no OMS call, keys of 1 and 255 characters are accepted, a key on a query is ignored,
 * and no log line carries a key.
 *
 * The Redis half needs the Debian package redis-server (skipped without it on a workstation; must run in CI).
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PackageSummaryDocument } from "../generated/operations.js";
import {
  CALLER_A,
  expectFresh,
  expectRefusal,
  expectReplayOf,
  input,
  keyedGateways,
  requestLine,
  single,
} from "../helpers/idempotency.js";
import { newKey } from "../helpers/idempotency-key.js";
import { SKIP_MESSAGE, SKIP_REDIS } from "../helpers/redis.js";

// ---------------------------------------------------------------------------------------------
// Helpers

const BAD_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters.";

// ---------------------------------------------------------------------------------------------

describe.each([{ store: "memory" }, { store: "Redis" }])(
  "Idempotency-Key with the $store store",
  ({ store }) => {
    if (store === "Redis" && SKIP_REDIS) {
      it.skip(SKIP_MESSAGE, () => {});
      return;
    }

    const gw = keyedGateways(store);

    it.each([
      ["empty", ""],
      ["256 characters", "k".repeat(256)],
      ["a space", "two words"],
      ["a Latin-1 letter", "clé"],
      // UTF-8 bytes of a Cyrillic word, as a client sending UTF-8 would put them on the wire.
      ["UTF-8 bytes", Buffer.from("ключ", "utf8").toString("latin1")],
    ])("refuses a key that is %s with 400 and no OMS call", async (_, key) => {
      const res = await single(gw.h, input(2060, "BAD-KEY"), { ...CALLER_A, "idempotency-key": key });
      expectRefusal(res, 400, "BAD_REQUEST", BAD_KEY);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("accepts keys of 1 and 255 visible characters", async () => {
      const longest = `${randomUUID()}${"~".repeat(255 - 36)}`;
      expect(longest).toHaveLength(255);
      for (const [index, key] of [longest, "!", "#"].entries()) {
        const headers = { ...CALLER_A, "idempotency-key": key };
        const first = await single(gw.h, input(2061 + index, `EDGE-${store}`), headers);
        expectFresh(first);
        expectReplayOf(await single(gw.h, input(2061 + index, `EDGE-${store}`), headers), first);
      }
      expect(gw.h.commands()).toHaveLength(3);
    });

    it("ignores a key sent with a query, and a later mutation with that key runs", async () => {
      const key = newKey();
      const headers = { ...CALLER_A, "idempotency-key": key };
      const first = await gw.h.gql(PackageSummaryDocument, { id: "2090" }, headers);
      const second = await gw.h.gql(PackageSummaryDocument, { id: "2090" }, headers);
      for (const res of [first, second]) {
        expectFresh(res);
        expect(res.body).toStrictEqual({
          data: { package: { id: "2090", status: "PACKED", statusName: "Packed" } },
        });
      }
      expect(gw.h.sim.requests).toHaveLength(2);

      const mutation = await single(gw.h, input(2090, "AFTER-QUERY"), headers);
      expectFresh(mutation);
      expect(mutation.body.data?.updatePackageShipment.__typename).toBe("ShipmentUpdated");
      expect(gw.h.commands()).toHaveLength(1);
    });

    it("never writes the key into a log line", async () => {
      const secret = `never-logged-${randomUUID()}`;
      const headers = { ...CALLER_A, "idempotency-key": secret };
      const ids = ["fresh", "replay", "reused", "invalid"].map((step) => `idem-log-${store}-${step}`);
      await single(gw.h, input(2096, "LOG"), { ...headers, "x-request-id": ids[0] as string });
      await single(gw.h, input(2096, "LOG"), { ...headers, "x-request-id": ids[1] as string });
      await single(gw.h, input(2096, "LOG-2"), { ...headers, "x-request-id": ids[2] as string });
      await single(gw.h, input(2096, "LOG"), {
        ...CALLER_A,
        "idempotency-key": `${secret} x`,
        "x-request-id": ids[3] as string,
      });
      const outcomes = [];
      for (const id of ids) outcomes.push((await requestLine(gw.h, id)).outcome);
      expect(outcomes).toStrictEqual(["ShipmentUpdated", "replayed", "IDEMPOTENCY_KEY_REUSED", null]);
      expect(gw.h.rawLogs.filter((line) => line.includes(secret))).toStrictEqual([]);
    });
  },
);
