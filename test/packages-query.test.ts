/**
 * The `packages` connection through the gateway and the simulator: page walks with filters until
 * hasNextPage is false, windows that do not line up with the OMS's pages, the last page, an empty
 * result, after the last cursor, the limits of `first`, opaque cursors that refuse tampering, and
 * filters this OMS cannot be asked for. What reached the OMS is asserted for each.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  type PackageFilter,
  PackageIdsDocument,
  type PackageIdsQueryVariables,
  PackagesDocument,
} from "./generated/operations.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const LIST = "/api/v1/oms/packages/";
// The simulator's own numbers of the statuses whose real numbers are not public.
const SIMULATOR_STATUS_MAP =
  "600:shipped,700:delivered,710:attempted_delivery,720:delivery_failed,950:cancelled";

const JULY = "2024-07-01T00:00:00Z";
const listIds = (from: number, to: number, keep: (index: number) => boolean = () => true) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i).filter((id) => keep(id - 3001));

/** The queries the list calls carried, in order. */
function listQueries(h: Harness): Record<string, string>[] {
  return h.sim.requests.filter((r) => r.path === LIST).map((r) => r.query);
}

async function page(h: Harness, variables: PackageIdsQueryVariables) {
  const res = await h.gql(PackageIdsDocument, variables);
  expect(res.body.errors).toBeUndefined();
  const connection = res.body.data?.packages;
  if (!connection) throw new Error(`no page: ${res.text}`);
  return { ...connection, ids: connection.edges.map((edge) => Number(edge.node.id)) };
}

/** Follows endCursor from the first page until hasNextPage is false; `firsts` gives each page's size. */
async function walk(h: Harness, filter: PackageIdsQueryVariables["filter"], firsts: number[]) {
  const pages: Awaited<ReturnType<typeof page>>[] = [];
  let after: string | null = null;
  for (let i = 0; ; i++) {
    const current = await page(h, { filter, first: firsts[i % firsts.length], after });
    pages.push(current);
    if (!current.pageInfo.hasNextPage) return pages;
    after = current.pageInfo.endCursor;
    if (pages.length > 50) throw new Error("the walk does not end");
  }
}

function badInput(res: {
  body: { data?: unknown; errors?: Array<{ extensions?: Record<string, unknown> }> };
}) {
  expect(res.body.data).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  return res.body.errors?.[0] as { message: string; extensions: Record<string, unknown> };
}

describe("packages on the simulator", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ OMS_STATUS_MAP: SIMULATOR_STATUS_MAP });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  it("walks packed and shipped packages created since July, 7 at a time, one OMS call per page", async () => {
    const filter = { status: ["PACKED" as const, "SHIPPED" as const], createdAfter: JULY };

    const pages = await walk(h, filter, [7]);

    const expected = listIds(3001, 3060, (index) => index % 4 < 2);
    expect(pages.map((p) => p.ids.length)).toEqual([7, 7, 7, 7, 2]);
    expect(pages.flatMap((p) => p.ids)).toEqual(expected);
    expect(pages.every((p) => p.totalCount === 30)).toBe(true);
    expect(pages.map((p) => p.pageInfo.hasNextPage)).toEqual([true, true, true, true, false]);
    expect(listQueries(h)).toEqual(
      [1, 2, 3, 4, 5].map((n) => ({
        page: String(n),
        page_size: "7",
        state__enum_value__in: "500,600",
        created_date__gte: "2024-07-01T00:00:00.000Z",
      })),
    );
  });

  it("answers each page with the package's fields, cursors and canUpdateShipment", async () => {
    const res = await h.gql(PackagesDocument, { filter: { cargoCompanyId: "2" }, first: 3 });

    expect(res.body.errors).toBeUndefined();
    const connection = res.body.data?.packages;
    expect(connection?.totalCount).toBe(10);
    expect(connection?.edges.map((edge) => edge.node)).toEqual([
      {
        id: "1002",
        status: "SHIPPED",
        orderNumber: "ORD-1002",
        canUpdateShipment: true,
        shipment: { trackingNumber: "AR1002", cargoCompany: { id: "2" } },
      },
      {
        id: "1007",
        status: "DELIVERY_FAILED",
        orderNumber: "ORD-1007",
        canUpdateShipment: false,
        shipment: { trackingNumber: "AR1007", cargoCompany: { id: "2" } },
      },
      {
        id: "3002",
        status: "SHIPPED",
        orderNumber: "ORD-3002",
        canUpdateShipment: true,
        shipment: { trackingNumber: "AR3002", cargoCompany: { id: "2" } },
      },
    ]);
    const cursors = connection?.edges.map((edge) => edge.cursor) ?? [];
    expect(new Set(cursors).size).toBe(3);
    // Opaque: nothing in them a caller could read as a page number or an id.
    for (const cursor of cursors) expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(connection?.pageInfo.endCursor).toBe(cursors[2]);
  });

  it("reads windows that do not line up with the OMS's pages in one call, or two when no page size fits", async () => {
    const first = await page(h, { first: 3 });
    expect(first.ids).toEqual([1001, 1002, 1003]);
    // Positions 3–12: page 1 of 13.
    const second = await page(h, { first: 10, after: first.pageInfo.endCursor });
    expect(second.ids).toEqual([1004, 1005, 1006, 1007, 1008, 2000, 2001, 2002, 2003, 2004]);
    // Positions 13–112: no page of at most 100 holds them, so pages 1 and 2 of 100.
    const third = await page(h, { first: 100, after: second.pageInfo.endCursor });
    expect(third.ids).toEqual(listIds(2005, 2104));
    expect(third.totalCount).toBe(1068);
    expect(listQueries(h)).toEqual([
      { page: "1", page_size: "3" },
      { page: "1", page_size: "13" },
      { page: "1", page_size: "100" },
      { page: "2", page_size: "100" },
    ]);
  });

  it("ends a walk of every package on its last, partial page", async () => {
    const pages = await walk(h, null, [100]);

    expect(pages).toHaveLength(11);
    expect(pages.at(-1)?.ids).toEqual([...listIds(2992, 2999), ...listIds(3001, 3060)]);
    expect(pages.flatMap((p) => p.ids)).toHaveLength(1068);
    expect(pages.at(-1)?.pageInfo.hasNextPage).toBe(false);
    expect(h.sim.requests).toHaveLength(11);
  });

  it("answers an empty result with no edges, no end cursor and no next page", async () => {
    const res = await page(h, { filter: { orderNumber: "ORD-NOPE" } });

    expect(res).toMatchObject({ totalCount: 0, ids: [], pageInfo: { hasNextPage: false, endCursor: null } });
    expect(listQueries(h)).toEqual([{ page: "1", page_size: "20", order__number: "ORD-NOPE" }]);
  });

  it("answers after the last cursor with nothing more, reading the count from the first page", async () => {
    const filter = { cargoCompanyId: "2" };
    const pages = await walk(h, filter, [5]);
    expect(pages.map((p) => p.ids)).toEqual([
      [1002, 1007, 3002, 3010, 3018],
      [3026, 3034, 3042, 3050, 3058],
    ]);
    h.sim.clearRequests();

    const beyond = await page(h, { filter, first: 5, after: pages[1]?.pageInfo.endCursor });

    expect(beyond).toMatchObject({
      totalCount: 10,
      ids: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
    // Page 3 of 5 is past the end (the OMS answers 404), so the count comes from page 1 of 1.
    expect(listQueries(h)).toEqual([
      { page: "3", page_size: "5", shipment__cargo_company: "2" },
      { page: "1", page_size: "1", shipment__cargo_company: "2" },
    ]);
  });

  it("answers after the last cursor of a partial page from a page that holds it, in one call", async () => {
    const filter = { status: ["DELIVERED" as const], cargoCompanyId: "3" };
    const pages = await walk(h, filter, [5]);
    expect(pages.map((p) => p.ids)).toEqual([
      [1003, 3003, 3011, 3019, 3027],
      [3035, 3043, 3051, 3059],
    ]);
    h.sim.clearRequests();

    const beyond = await page(h, { filter, first: 5, after: pages[1]?.pageInfo.endCursor });

    expect(beyond).toMatchObject({
      totalCount: 9,
      ids: [],
      pageInfo: { hasNextPage: false, endCursor: null },
    });
    // Positions 9–13 lie in page 2 of 7, which exists and ends at position 8.
    expect(listQueries(h)).toEqual([
      { page: "2", page_size: "7", state__enum_value__in: "700", shipment__cargo_company: "3" },
    ]);
  });

  it("sends ids, order number and the created bounds under their names, dates in UTC", async () => {
    const res = await page(h, {
      filter: {
        ids: ["3005", "1001", "999999", "3005"],
        orderNumber: " ORD-3005 ",
        createdAfter: "2024-07-01T14:00:00+03:00",
        createdBefore: "2024-07-01T12:00:00.5Z",
      },
    });

    expect(res.ids).toEqual([3005]);
    expect(listQueries(h)).toEqual([
      {
        page: "1",
        page_size: "20",
        id__in: "3005,1001,999999",
        order__number: "ORD-3005",
        created_date__gte: "2024-07-01T11:00:00.000Z",
        created_date__lte: "2024-07-01T12:00:00.500Z",
      },
    ]);
  });

  it("answers an empty ids or status list with nothing, without asking the OMS", async () => {
    expect((await page(h, { filter: { ids: [] } })).totalCount).toBe(0);
    expect((await page(h, { filter: { status: [] } })).totalCount).toBe(0);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("reads only the count for first: 0", async () => {
    const res = await page(h, { filter: { status: ["WAITING"] }, first: 0 });

    expect(res).toMatchObject({ totalCount: 16, ids: [], pageInfo: { hasNextPage: true, endCursor: null } });
    expect(listQueries(h)).toEqual([{ page: "1", page_size: "1", state__enum_value__in: "100" }]);
  });

  it.each([101, -1, 1_000_000])(
    "refuses first: %i with BAD_USER_INPUT before any OMS call",
    async (first) => {
      const error = badInput(await h.gql(PackageIdsDocument, { first }));

      expect(error.message).toBe(`first must be from 0 to 100, got ${first}.`);
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "first" });
      expect(h.sim.requests).toHaveLength(0);
    },
  );

  it("refuses a cursor that was changed, made up, or issued for another filter", async () => {
    const filter = { status: ["PACKED" as const] };
    const { pageInfo } = await page(h, { filter, first: 2 });
    const cursor = pageInfo.endCursor as string;
    const decoded = Buffer.from(cursor, "base64url").toString();
    h.sim.clearRequests();

    const tampered = [
      Buffer.from(decoded.replace(/:1:/, ":7:")).toString("base64url"),
      `${cursor}A`,
      "bm90LWEtY3Vyc29y",
      "",
    ];
    for (const after of tampered) {
      const error = badInput(await h.gql(PackageIdsDocument, { filter, after }));
      expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "after" });
      expect(error.message).toMatch(/^after is not a cursor of this package list/);
    }
    const otherFilter = badInput(
      await h.gql(PackageIdsDocument, { filter: { status: ["SHIPPED"] }, after: cursor }),
    );
    expect(otherFilter.extensions.argumentName).toBe("after");
    // The same filter spelled in another order is the same list.
    const same = await page(h, { filter: { status: ["PACKED", "PACKED"] }, after: cursor, first: 1 });
    expect(same.ids).toEqual([2001]);
    expect(h.sim.requests).toHaveLength(1);
  });

  it.each([
    [{ ids: ["12x"] }, "ids", 'filter.ids: an id is a positive integer, got "12x".'],
    [
      { ids: Array.from({ length: 101 }, (_, i) => String(i + 1)) },
      "ids",
      "filter.ids takes at most 100 ids, got 101.",
    ],
    [
      { cargoCompanyId: "0" },
      "cargoCompanyId",
      'filter.cargoCompanyId: an id is a positive integer, got "0".',
    ],
    [
      { orderNumber: "  " },
      "orderNumber",
      "filter.orderNumber must be 1 to 64 characters without control characters.",
    ],
    [
      { createdAfter: "2024-07-01" },
      "createdAfter",
      'filter.createdAfter must be an ISO 8601 date-time with an offset, e.g. 2024-07-01T08:00:00Z, got "2024-07-01".',
    ],
    [
      { createdBefore: "2024-02-30T00:00:00Z" },
      "createdBefore",
      "filter.createdBefore must be an ISO 8601 date-time",
    ],
  ])("refuses the filter %j with BAD_USER_INPUT before any OMS call", async (filter, field, message) => {
    const error = badInput(await h.gql(PackageIdsDocument, { filter }));

    expect(error.message).toContain(message);
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "filter", field });
    expect(h.sim.requests).toHaveLength(0);
  });
});

describe("filters this OMS cannot be asked for", () => {
  let h: Harness;
  beforeAll(async () => {
    // No OMS_STATUS_MAP: only the public state numbers are known.
    h = await startHarness({
      OMS_PACKAGE_FILTER_PARAMS: "orderNumber:,createdBefore:",
      OMS_PACKAGE_IDS_PARAM: "",
    });
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());

  it.each<[PackageFilter, string, string]>([
    [{ orderNumber: "ORD-3001" }, "orderNumber", "the OMS list's parameter for it is not configured."],
    [{ createdBefore: JULY }, "createdBefore", "the OMS list's parameter for it is not configured."],
    [{ ids: ["3001"] }, "ids", "the OMS list's multiple-id parameter is not configured."],
    [
      { status: ["SHIPPED"] },
      "status",
      "status SHIPPED: the OMS state number of that status is not configured.",
    ],
    [{ status: ["PACKED", "OTHER"] }, "status", "status OTHER: the OMS state number"],
  ])("refuses %j with BAD_USER_INPUT and no OMS call", async (filter, field, message) => {
    const error = badInput(await h.gql(PackageIdsDocument, { filter }));

    expect(error.message).toMatch(
      new RegExp(`^This gateway cannot filter packages by ${field === "status" ? "" : field}`),
    );
    expect(error.message).toContain(message);
    expect(error.extensions).toMatchObject({ code: "BAD_USER_INPUT", argumentName: "filter", field });
    expect(h.sim.requests).toHaveLength(0);
  });

  it("still filters by the public state numbers and the fields it has names for", async () => {
    const res = await page(h, {
      filter: { status: ["PACKED", "WAITING"], cargoCompanyId: "5", createdAfter: JULY },
    });

    expect(res.ids).toEqual([3005, 3013, 3021, 3029, 3037, 3045, 3053]);
    expect(listQueries(h)).toEqual([
      {
        page: "1",
        page_size: "20",
        state__enum_value__in: "500,100",
        shipment__cargo_company: "5",
        created_date__gte: "2024-07-01T00:00:00.000Z",
      },
    ]);
  });
});
