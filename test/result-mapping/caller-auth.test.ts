/**
 * Caller authentication in front of the result mapping (API_KEYS=k1,k2): a caller without a known
 * key is refused with 401 UNAUTHENTICATED and the OMS is not called; a known key runs the command.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { expectCommandSent, input } from "../helpers/result-mapping.js";

describe("caller authentication (API_KEYS=k1,k2)", () => {
  let keyed: Harness;
  beforeAll(async () => {
    keyed = await startHarness({ API_KEYS: "k1,k2" });
  });
  afterAll(() => keyed.close());
  beforeEach(() => keyed.sim.reset());

  it.each([
    ["no Authorization header", {}],
    ["an unknown key", { authorization: "Bearer k3" }],
    ["the OMS scheme", { authorization: "Token k1" }],
    ["a key that only starts like a valid one", { authorization: "Bearer k1k2" }],
  ])("refuses %s with HTTP 401 UNAUTHENTICATED and calls the OMS not at all", async (_, headers) => {
    const res = await keyed.gql(UpdateShipmentOnlyDocument, { input: input() }, headers);

    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="oms-graph"');
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    expect(keyed.sim.requests).toHaveLength(0);
  });

  it("runs the command for a caller sending Authorization: Bearer k2", async () => {
    const res = await keyed.gql(
      UpdateShipmentOnlyDocument,
      { input: input({ trackingNumber: "KEYED-1" }) },
      { authorization: "Bearer k2" },
    );

    expect(res.status).toBe(200);
    expect(res.body.data?.updatePackageShipment).toStrictEqual({
      __typename: "ShipmentUpdated",
      shipment: { trackingNumber: "KEYED-1", queryNumber: null },
    });
    // The caller's key is the caller's; the OMS gets the gateway's own credentials.
    expectCommandSent(keyed.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "KEYED-1",
      cargo_company: 2,
    });
  });
});
