/**
 * The limits of a bulk call: BULK_MAX_ITEMS, and MAX_MUTATION_FIELDS, which keeps aliases from
 * becoming a second, unbounded bulk path.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { bulk, input, routes } from "../helpers/bulk.js";
import { itemsOf } from "../helpers/bulk-items.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { commandPath } from "../helpers/oms-paths.js";

describe("BULK_MAX_ITEMS", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ BULK_MAX_ITEMS: "5" });
  });
  afterAll(() => h?.close());
  beforeEach(() => h.sim.reset());

  it("refuses one input more than the limit as BAD_USER_INPUT without any OMS call", async () => {
    const res = await bulk(
      h,
      [2000, 2001, 2002, 2003, 2004, 2005].map((id) => input(id)),
    );
    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "updatePackageShipments takes at most 5 inputs per call, got 6.",
      path: ["updatePackageShipments"],
      extensions: { code: "BAD_USER_INPUT", argumentName: "inputs" },
    });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("runs exactly the limit", async () => {
    const res = await bulk(
      h,
      [2000, 2001, 2002, 2003, 2004].map((id) => input(id)),
    );
    expect(itemsOf(res).map((item) => item.__typename)).toStrictEqual(Array(5).fill("ShipmentUpdated"));
    expect(h.commands()).toHaveLength(5);
  });
});

describe("MAX_MUTATION_FIELDS", () => {
  const SINGLE = `
    updatePackageShipment(input: $a) {
      __typename
    }`;
  const variables = {
    a: input(2000, { trackingNumber: "ALIAS-A" }),
    b: input(2001, { trackingNumber: "ALIAS-B" }),
  };
  const VARS = "$a: UpdatePackageShipmentInput!, $b: UpdatePackageShipmentInput!";
  const TWO_ALIASED = `mutation Two(${VARS}) {
    a: updatePackageShipment(input: $a) { __typename }
    b: updatePackageShipment(input: $b) { __typename }
  }`;

  async function expectRefused(h: Harness, query: string, vars: object, count: number) {
    const res = await h.gql(query, vars);
    expect(h.sim.requests).toHaveLength(0);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]?.message).toBe(
      `An operation may run at most 1 mutation field(s), got ${count}; use updatePackageShipments for many packages.`,
    );
    expect(res.body.errors?.[0]?.extensions?.code).toBe("TOO_MANY_MUTATION_FIELDS");
  }

  describe("at its default of 1", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness();
    });
    afterAll(() => h?.close());
    beforeEach(() => h.sim.reset());

    it("refuses two aliased updatePackageShipment fields without any OMS call", async () => {
      await expectRefused(h, TWO_ALIASED, variables, 2);
    });

    it("counts fields reached through a fragment spread", async () => {
      const query = `mutation Spread(${VARS}) {
        a: updatePackageShipment(input: $a) { __typename }
        ...More
      }
      fragment More on Mutation {
        b: updatePackageShipment(input: $b) { __typename }
      }`;
      await expectRefused(h, query, variables, 2);
    });

    it("counts fields reached through a spread that holds both, and through inline fragments", async () => {
      const spread = `mutation OnlySpread(${VARS}) { ...Both }
        fragment Both on Mutation {
          a: updatePackageShipment(input: $a) { __typename }
          b: updatePackageShipment(input: $b) { __typename }
        }`;
      await expectRefused(h, spread, variables, 2);
      const inline = `mutation Inline(${VARS}) {
        ... on Mutation { a: updatePackageShipment(input: $a) { __typename } }
        ... { b: updatePackageShipment(input: $b) { __typename } }
      }`;
      await expectRefused(h, inline, variables, 2);
    });

    it("refuses a single and a bulk field in one operation", async () => {
      const query = `mutation Mixed($a: UpdatePackageShipmentInput!, $list: [UpdatePackageShipmentInput!]!) {
        updatePackageShipment(input: $a) { __typename }
        updatePackageShipments(inputs: $list) { __typename }
      }`;
      await expectRefused(h, query, { a: variables.a, list: [variables.b] }, 2);
    });

    it("runs one field next to __typename", async () => {
      const res = await h.gql(`mutation One($a: UpdatePackageShipmentInput!) { __typename ${SINGLE} }`, {
        a: variables.a,
      });
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        data: { __typename: "Mutation", updatePackageShipment: { __typename: "ShipmentUpdated" } },
      });
      expect(h.commands()).toHaveLength(1);
    });
  });

  describe("raised to 2", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness({ MAX_MUTATION_FIELDS: "2" });
    });
    afterAll(() => h?.close());
    beforeEach(() => h.sim.reset());

    it("runs two aliased fields", async () => {
      const res = await h.gql(TWO_ALIASED, variables);
      expect(res.status).toBe(200);
      expect(res.body).toStrictEqual({
        data: {
          a: { __typename: "ShipmentUpdated" },
          b: { __typename: "ShipmentUpdated" },
        },
      });
      expect(routes(h)).toStrictEqual([`POST ${commandPath(2000)}`, `POST ${commandPath(2001)}`]);
    });

    it("still refuses three", async () => {
      const query = `mutation Three(${VARS}, $c: UpdatePackageShipmentInput!) {
        a: updatePackageShipment(input: $a) { __typename }
        b: updatePackageShipment(input: $b) { __typename }
        c: updatePackageShipment(input: $c) { __typename }
      }`;
      const res = await h.gql(query, { ...variables, c: input(2002) });
      expect(h.sim.requests).toHaveLength(0);
      expect(res.status).toBe(400);
      expect(res.body.errors?.[0]?.message).toBe(
        "An operation may run at most 2 mutation field(s), got 3; use updatePackageShipments for many packages.",
      );
      expect(res.body.errors?.[0]?.extensions?.code).toBe("TOO_MANY_MUTATION_FIELDS");
    });
  });
});
