/**
 * Hostile `variables`: wrong types, missing, extra or nested fields are refused with
 * BAD_USER_INPUT or a field error, and nothing malformed reaches the OMS.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  BULK,
  COMMAND,
  expectRefused,
  expectRefusedAll,
  hostileGateway,
  JSON_TYPE,
  postJson,
  SINGLE,
  send,
  valid,
} from "../helpers/hostile-requests.js";

describe("hostile requests to /graphql", () => {
  const gw = hostileGateway();

  describe("variables", () => {
    it.each([
      ["input as a string", { input: "1001" }],
      ["input as null", { input: null }],
      ["input as an array", { input: [valid()] }],
      ["no input", {}],
      ["transitionId as a string", { input: valid({ transitionId: "41" }) }],
      ["transitionId as a fraction", { input: valid({ transitionId: 41.5 }) }],
      ["transitionId beyond 32 bits", { input: valid({ transitionId: 2 ** 31 }) }],
      ["packageId as a boolean", { input: valid({ packageId: true }) }],
      ["packageId as a fraction", { input: valid({ packageId: 1001.5 }) }],
      ["packageId as an object", { input: valid({ packageId: { id: 1001 } }) }],
      ["packageId as a list", { input: valid({ packageId: ["1001"] }) }],
      ["trackingNumber as a number", { input: valid({ trackingNumber: 12345 }) }],
      ["trackingNumber as null", { input: valid({ trackingNumber: null }) }],
      ["a field the input does not have", { input: valid({ awb_number: "X" }) }],
    ])("refuses %s: 400 BAD_USER_INPUT, no OMS call", async (_, variables) => {
      const res = await postJson(gw.h, { query: SINGLE, variables });

      expectRefused(res, 400, "BAD_USER_INPUT", /^Variable "\$input" /);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it.each([
      ["inputs as a string", { inputs: "1001" }],
      ["a null item", { inputs: [valid(), null] }],
      ["an item with a wrong type", { inputs: [valid(), valid({ transitionId: "x" })] }],
    ])("refuses bulk %s: 400 BAD_USER_INPUT, no OMS call", async (_, variables) => {
      const res = await postJson(gw.h, { query: BULK, variables });

      expectRefused(res, 400, "BAD_USER_INPUT", /^Variable "\$inputs" /);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    it("treats a single object given for the list as a list of one (GraphQL input coercion)", async () => {
      const res = await postJson(gw.h, { query: BULK, variables: { inputs: valid({ packageId: "2001" }) } });

      expect(res.status).toBe(200);
      expect(res.body.data?.updatePackageShipments).toStrictEqual([
        { __typename: "ShipmentUpdated", shipment: { trackingNumber: "HOSTILE-1", queryNumber: null } },
      ]);
      expect(gw.h.commands().map((r) => r.path)).toStrictEqual(["/api/v1/oms/packages/2001/command/"]);
    });

    it("refuses more than BULK_MAX_ITEMS (500) inputs: BAD_USER_INPUT, no OMS call", async () => {
      const inputs = Array.from({ length: 501 }, (_, i) => valid({ packageId: String(2000 + i) }));
      const res = await postJson(gw.h, { query: BULK, variables: { inputs } });

      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.map((e) => [e.extensions?.code, e.message])).toStrictEqual([
        ["BAD_USER_INPUT", "updatePackageShipments takes at most 500 inputs per call, got 501."],
      ]);
      expect(gw.h.sim.requests).toHaveLength(0);
    });

    describe("__proto__ and constructor keys", () => {
      const polluted = () => (Object.prototype as Record<string, unknown>).polluted;
      const probe = {} as Record<string, unknown>;

      afterEach(() => {
        expect(polluted()).toBeUndefined();
        expect(probe.trackingNumber).toBeUndefined();
        expect(probe.input).toBeUndefined();
      });

      it("refuses __proto__ inside the input as an unknown field: 400 BAD_USER_INPUT, no command", async () => {
        // Written by hand: JSON.stringify of an object literal would drop the __proto__ key.
        const body = `{"query": ${JSON.stringify(SINGLE)}, "variables": {"input": {"packageId": "1001", "cargoCompanyId": "2", "transitionId": 41, "__proto__": {"trackingNumber": "FROM-PROTO", "polluted": true}}}}`;
        const res = await send(gw.h, { headers: JSON_TYPE, body });

        // The tracking number inside __proto__ is not taken for the input's own.
        expectRefusedAll(res, 400, ["BAD_USER_INPUT", "BAD_USER_INPUT"]);
        expect(res.body.errors?.map((e) => e.message.replace(/^.*; /, ""))).toStrictEqual([
          'Field "trackingNumber" of required type "String!" was not provided.',
          'Field "__proto__" is not defined by type "UpdatePackageShipmentInput".',
        ]);
        expect(gw.h.sim.requests).toHaveLength(0);
      });

      it("does not take $input from a __proto__ key of the variables: 400 BAD_USER_INPUT, no command", async () => {
        const body = `{"query": ${JSON.stringify(SINGLE)}, "variables": {"__proto__": {"input": ${JSON.stringify(valid())}, "polluted": true}}}`;
        const res = await send(gw.h, { headers: JSON_TYPE, body });

        expectRefused(
          res,
          400,
          "BAD_USER_INPUT",
          'Variable "$input" of required type "UpdatePackageShipmentInput!" was not provided.',
        );
        expect(gw.h.sim.requests).toHaveLength(0);
      });

      it("does not take the query from a __proto__ key of the body: 400 BAD_REQUEST, no command", async () => {
        const body = `{"__proto__": {"query": ${JSON.stringify(COMMAND)}, "polluted": true}}`;
        const res = await send(gw.h, { headers: JSON_TYPE, body });

        expectRefused(res, 400, "BAD_REQUEST");
        expect(gw.h.sim.requests).toHaveLength(0);
      });

      it("refuses __proto__ and constructor.prototype inside bulk items: 400 BAD_USER_INPUT, no command", async () => {
        const body = `{"query": ${JSON.stringify(BULK)}, "variables": {"inputs": [${JSON.stringify(valid())}, {"constructor": {"prototype": {"polluted": true}}, "packageId": "1002", "cargoCompanyId": "2", "trackingNumber": "X"}]}}`;
        const res = await send(gw.h, { headers: JSON_TYPE, body });

        expectRefused(res, 400, "BAD_USER_INPUT");
        expect(res.body.errors?.[0]?.message).toContain('Field "constructor" is not defined');
        expect(gw.h.sim.requests).toHaveLength(0);
      });

      it("keeps a __proto__ key in an Idempotency-Key body from reaching the OMS", async () => {
        const body = `{"query": ${JSON.stringify(SINGLE)}, "variables": {"__proto__": {"input": ${JSON.stringify(valid())}}}}`;
        const res = await send(gw.h, { headers: { ...JSON_TYPE, "idempotency-key": "proto-1" }, body });

        expectRefused(res, 400, "BAD_USER_INPUT");
        expect(gw.h.sim.requests).toHaveLength(0);
      });
    });
  });
});
