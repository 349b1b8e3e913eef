/**
 * Hostile ids in reads and commands (path tricks, query strings, non-ASCII digits): refused before an
 * OMS path is built from them, and item by item in a bulk call, where only the valid item is sent.
 */
import { describe, expect, it } from "vitest";
import {
  BULK,
  fieldError,
  hostileGateway,
  invalidId,
  postJson,
  SINGLE,
  valid,
} from "../helpers/hostile-requests.js";

describe("hostile requests to /graphql", () => {
  const gw = hostileGateway();

  describe("ids", () => {
    const HOSTILE_IDS = [
      "../1",
      "1?x=y",
      "1#x",
      "%2e%2e%2f1",
      "1/../../2",
      "1/",
      "1001/command",
      "١٢٣",
      "１２３",
      "1e3",
      "0x10",
      " 1",
      "1 ",
      "+1",
      "1.0",
      "01",
      "0",
      "-1",
      "1\u0000",
      "1%00",
      "",
      "99999999999999999",
    ];

    it.each(HOSTILE_IDS)("refuses package(id: %j) as BAD_USER_INPUT, with no OMS call", async (id) => {
      const res = await postJson(gw.h, {
        query: "query($id: ID!) { package(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: `A package id is a positive integer, got ${JSON.stringify(id)}.`,
        path: ["package"],
        extensions: { code: "BAD_USER_INPUT", argumentName: "id" },
      });
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it.each(HOSTILE_IDS)("refuses cargoCompany(id: %j) as BAD_USER_INPUT, with no OMS call", async (id) => {
      const res = await postJson(gw.h, {
        query: "query($id: ID!) { cargoCompany(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ cargoCompany: null });
      expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["BAD_USER_INPUT"]);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it.each(HOSTILE_IDS)(
      "refuses %j as packageId and cargoCompanyId with INVALID_ID, with no command",
      async (id) => {
        const res = await postJson(gw.h, {
          query: SINGLE,
          variables: { input: valid({ packageId: id, cargoCompanyId: id }) },
        });

        expect(res.status).toBe(200);
        expect(res.body.data?.updatePackageShipment).toStrictEqual({
          __typename: "ValidationError",
          message: `${invalidId("packageId", id)} (and 1 more problems)`,
          fieldErrors: [
            fieldError("packageId", invalidId("packageId", id), "INVALID_ID"),
            fieldError("cargoCompanyId", invalidId("cargoCompanyId", id), "INVALID_ID"),
          ],
        });
        expect(gw.h.sim.requests).toHaveLength(0);
      },
    );

    it("refuses every hostile id in one bulk call item by item, and sends only the valid one", async () => {
      const inputs = [...HOSTILE_IDS, "2001"].map((packageId) => valid({ packageId }));
      const res = await postJson(gw.h, { query: BULK, variables: { inputs } });

      expect(res.status).toBe(200);
      const items = res.body.data?.updatePackageShipments as Array<{
        __typename: string;
        fieldErrors?: Array<{ code: string }>;
      }>;
      expect(items.map((i) => i.__typename)).toStrictEqual([
        ...HOSTILE_IDS.map(() => "ValidationError"),
        "ShipmentUpdated",
      ]);
      expect(items.slice(0, -1).map((i) => i.fieldErrors?.map((e) => e.code))).toStrictEqual(
        HOSTILE_IDS.map(() => ["INVALID_ID"]),
      );
      expect(gw.h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`)).toStrictEqual([
        "POST /api/v1/oms/packages/2001/command/",
      ]);
    });

    it.each([
      [1001, "/api/v1/oms/packages/1001/"],
      [9007199254740991, "/api/v1/oms/packages/9007199254740991/"],
    ])("sends an id given as the JSON number %d as plain digits", async (id, path) => {
      const res = await postJson(gw.h, {
        query: "query($id: ID!) { package(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(gw.h.sim.requests.map((r) => `${r.path}${r.search}`)).toStrictEqual([path]);
    });

    it.each([
      ["1e21", 1e21],
      ["2^53 + 2", 9007199254740994],
      ["-1", -1],
    ])("refuses the JSON number %s as a package id, with no OMS call", async (_, id) => {
      const res = await postJson(gw.h, {
        query: "query($id: ID!) { package(id: $id) { id } }",
        variables: { id },
      });

      expect(res.status).toBe(200);
      expect(res.body.errors?.map((e) => e.extensions?.code)).toStrictEqual(["BAD_USER_INPUT"]);
      expect(gw.h.sim.requests).toHaveLength(0);
    });
  });
});
