/**
 * Package reads of one request go to the OMS together: `package(id)` fields, `ShipmentUpdated.package`
 * and federation `_entities` share one loader per request, which asks the package list for up to 100
 * ids in one call with OMS_PACKAGE_IDS_PARAM (`id__in`). A single id is read at its own URL. Ids
 * the OMS does not return are null. With OMS_PACKAGE_IDS_PARAM empty, packages are read one by one.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { range } from "./helpers/federation.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { packagePath } from "./helpers/oms-paths.js";

const LIST = "/api/v1/oms/packages/";

/** A query reading each id under its own alias. */
function aliased(ids: readonly (number | string)[], selection = "id status") {
  return `{ ${ids.map((id, i) => `p${i}: package(id: "${id}") { ${selection} }`).join(" ")} }`;
}

function calls(h: Harness): string[] {
  return h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`);
}

const listOf = (ids: readonly number[]) => `GET ${LIST}?id__in=${ids.join(",")}&page_size=${ids.length}`;

describe("with the default OMS_PACKAGE_IDS_PARAM (id__in)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ MAX_ENTITY_REPRESENTATIONS: "500" });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  it("a 50-package query by aliases makes exactly one OMS call", async () => {
    const ids = range(2000, 2049);

    const res = await h.gql(aliased(ids));

    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual(
      Object.fromEntries(ids.map((id, i) => [`p${i}`, { id: String(id), status: "PACKED" }])),
    );
    expect(calls(h)).toEqual([listOf(ids)]);
    expect(h.sim.requests[0]?.query).toEqual({ id__in: ids.join(","), page_size: "50" });
  });

  it("answers null for ids the OMS does not return, without an error", async () => {
    const res = await h.gql(aliased([1002, 999999, 3005, 1002]));

    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      p0: { id: "1002", status: "SHIPPED" },
      p1: null,
      p2: { id: "3005", status: "PACKED" },
      p3: { id: "1002", status: "SHIPPED" },
    });
    // Each id once, in the order first asked for.
    expect(calls(h)).toEqual([listOf([1002, 999999, 3005])]);
  });

  it("reads a single package at its own URL", async () => {
    const res = await h.gql(aliased([1001, 1001]));

    expect(res.body.data).toEqual({
      p0: { id: "1001", status: "PACKED" },
      p1: { id: "1001", status: "PACKED" },
    });
    expect(calls(h)).toEqual([`GET ${packagePath(1001)}`]);
  });

  it("splits _entities for 150 packages into list calls of 100 and 50", async () => {
    const ids = range(2100, 2249);
    const res = await h.post(
      "/subgraph",
      JSON.stringify({
        query: "query ($r: [_Any!]!) { _entities(representations: $r) { ... on Package { id status } } }",
        variables: { r: ids.map((id) => ({ __typename: "Package", id: String(id) })) },
      }),
    );

    expect(res.body.errors).toBeUndefined();
    expect((res.body.data as { _entities: unknown[] })._entities).toEqual(
      ids.map((id) => ({ id: String(id), status: "PACKED" })),
    );
    expect(calls(h).sort()).toEqual([listOf(ids.slice(0, 100)), listOf(ids.slice(100))].sort());
  });

  it("reads ShipmentUpdated.package of every bulk item in one call after the commands", async () => {
    const inputs = [1001, 2000, 2001].map((id) => ({
      packageId: String(id),
      cargoCompanyId: "2",
      trackingNumber: `BATCH-${id}`,
      transitionId: 41,
    }));

    const res = await h.gql(
      `mutation ($inputs: [UpdatePackageShipmentInput!]!) {
        updatePackageShipments(inputs: $inputs) {
          ... on ShipmentUpdated { package { id shipment { trackingNumber } } }
        }
      }`,
      { inputs },
    );

    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({
      updatePackageShipments: [1001, 2000, 2001].map((id) => ({
        package: { id: String(id), shipment: { trackingNumber: `BATCH-${id}` } },
      })),
    });
    const seen = calls(h);
    expect(seen.slice(0, 3).sort()).toEqual(
      [1001, 2000, 2001].map((id) => `POST /api/v1/oms/packages/${id}/command/`).sort(),
    );
    expect(seen.slice(3)).toEqual([listOf([1001, 2000, 2001])]);
  });

  it("fails every package of a failed list call with OMS_UNAVAILABLE, after one call", async () => {
    h.sim.injectFault({ method: "GET", path: LIST, fault: { kind: "status", status: 503 } });

    const res = await h.gql(aliased([1001, 1002]));

    expect(res.body.data).toEqual({ p0: null, p1: null });
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([
      [["p0"], "OMS_UNAVAILABLE"],
      [["p1"], "OMS_UNAVAILABLE"],
    ]);
    expect(calls(h)).toEqual([listOf([1001, 1002])]);
  });
});

describe("OMS_PACKAGE_IDS_PARAM naming a filter the OMS ignores", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ OMS_PACKAGE_IDS_PARAM: "pk__in" });
  });
  afterAll(() => h.close());

  it("is an OMS_UNAVAILABLE error, not packages reported missing", async () => {
    const res = await h.gql(aliased([1001, 1002]));

    expect(res.body.data).toEqual({ p0: null, p1: null });
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS ignored the package list's multiple-id filter; check OMS_PACKAGE_IDS_PARAM.",
      extensions: { code: "OMS_UNAVAILABLE" },
    });
    expect(calls(h)).toEqual([`GET ${LIST}?pk__in=1001,1002&page_size=2`]);
  });
});

describe("with OMS_PACKAGE_IDS_PARAM empty", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ OMS_PACKAGE_IDS_PARAM: "" });
  });
  afterAll(() => h.close());

  it("reads the 50 packages one by one, and fails only the read that failed", async () => {
    const ids = range(2000, 2049);
    h.sim.injectFault({ path: packagePath(2007), fault: { kind: "status", status: 503 } });

    const res = await h.gql(aliased(ids));

    expect(calls(h).sort()).toEqual(ids.map((id) => `GET ${packagePath(id)}`).sort());
    expect(res.body.errors?.map((e) => [e.path, e.extensions?.code])).toEqual([[["p7"], "OMS_UNAVAILABLE"]]);
    expect((res.body.data as Record<string, unknown>).p8).toEqual({ id: "2008", status: "PACKED" });
  });
});
