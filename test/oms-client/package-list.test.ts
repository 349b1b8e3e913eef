/**
 * The OMS client's package list: batched reads by id (one call per 100 ids, a single id at its own
 * URL, ids not returned as null, an ignored filter or a malformed page as an error of every id) and
 * pages of the filtered list (parameter names and encoded values as configured, null past the end).
 */
import { afterEach, describe, expect, it } from "vitest";
import { OmsError } from "../../src/domain/errors.js";
import { UnsupportedFilterError } from "../../src/domain/package-list.js";
import { cleanups, clientFor, fakeOms, jsonReply } from "../helpers/fake-oms.js";

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const wire = (id: number) => ({
  id,
  number: `PKG-${id}`,
  state: { name: "Packed", enum_value: "500" },
  shipment: null,
});
const page = (results: unknown[], count = results.length) => ({ count, next: null, previous: null, results });

/** A list endpoint that answers the ids asked for with `id__in`, leaving out those in `missing`. */
function byIds(missing: number[] = []) {
  return (req: { url: string }) => {
    const ids = new URL(req.url, "http://oms").searchParams.get("id__in")?.split(",").map(Number) ?? [];
    return jsonReply(200, page(ids.filter((id) => !missing.includes(id)).map(wire)));
  };
}

describe("getPackages", () => {
  it("reads up to 100 ids in one list call and answers null for ids not returned", async () => {
    const oms = await fakeOms(byIds([3]));
    const result = await clientFor(oms.url).getPackages([1, 2, 3]);
    expect(result.map((r) => (r === null || r instanceof Error ? r : r.id))).toEqual([1, 2, null]);
    expect(oms.requests.map((r) => r.url)).toEqual(["/api/v1/oms/packages/?id__in=1,2,3&page_size=3"]);
  });

  it("splits 250 ids into calls of 100, 100 and 50", async () => {
    const oms = await fakeOms(byIds());
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    const result = await clientFor(oms.url).getPackages(ids);
    expect(result.map((r) => (r === null || r instanceof Error ? r : r.id))).toEqual(ids);
    expect(oms.requests.map((r) => new URL(r.url, "http://oms").searchParams.get("page_size"))).toEqual([
      "100",
      "100",
      "50",
    ]);
  });

  it("reads a single id at its own URL", async () => {
    const oms = await fakeOms(() => jsonReply(200, wire(7)));
    expect(await clientFor(oms.url).getPackages([7])).toEqual([expect.objectContaining({ id: 7 })]);
    expect(oms.requests.map((r) => r.url)).toEqual(["/api/v1/oms/packages/7/"]);
  });

  it("reads one by one, each with its own outcome, when no multiple-id filter is configured", async () => {
    const oms = await fakeOms((req) =>
      req.url.endsWith("/2/")
        ? jsonReply(404, { detail: "Not found." })
        : jsonReply(200, wire(Number(req.url.split("/")[5]))),
    );
    const result = await clientFor(oms.url, { packageIdsParam: null }).getPackages([1, 2]);
    expect(result).toEqual([expect.objectContaining({ id: 1 }), null]);
    expect(oms.requests.map((r) => r.url).sort()).toEqual([
      "/api/v1/oms/packages/1/",
      "/api/v1/oms/packages/2/",
    ]);
  });

  it.each([
    ["packages not asked for", page([wire(1), wire(9)])],
    ["more packages than asked for", page([wire(1)], 1068)],
  ])("fails every id when the OMS answers %s (it ignored the filter)", async (_, body) => {
    const oms = await fakeOms(() => jsonReply(200, body));
    const result = await clientFor(oms.url).getPackages([1, 2]);
    for (const entry of result) {
      expect(entry).toBeInstanceOf(OmsError);
      expect((entry as OmsError).message).toBe(
        "The OMS ignored the package list's multiple-id filter; check OMS_PACKAGE_IDS_PARAM.",
      );
    }
  });

  it.each([
    ["a body that is not a page", { results: "none" }],
    ["a package without an id", page([wire(1), { number: "x" }])],
  ])("fails every id of the call for %s", async (_, body) => {
    const oms = await fakeOms(() => jsonReply(200, body));
    const result = await clientFor(oms.url).getPackages([1, 2]);
    expect(result.map((e) => (e as OmsError).code)).toEqual(["OMS_UNAVAILABLE", "OMS_UNAVAILABLE"]);
  });
});

describe("listPackages", () => {
  const filterParams = {
    status: "state",
    cargoCompanyId: "carrier",
    orderNumber: "order",
    createdAfter: "from",
    createdBefore: null,
  };

  it("asks for one page with the configured names, values encoded, statuses as state numbers", async () => {
    const oms = await fakeOms(() => jsonReply(200, page([wire(5)], 41)));
    const client = clientFor(oms.url, {
      packageIdsParam: "pk__in",
      packageFilterParams: filterParams,
      statusMap: new Map([
        ["600", "shipped"],
        ["601", "shipped"],
      ]),
    });
    const result = await client.listPackages({
      filter: {
        ids: [5, 6],
        statuses: ["shipped", "waiting", "shipped"],
        cargoCompanyId: 3,
        orderNumber: "A&B=C+D é",
        createdAfter: "2024-07-01T00:00:00.000Z",
      },
      page: 3,
      pageSize: 7,
    });
    expect(result).toEqual({ count: 41, packages: [expect.objectContaining({ id: 5 })] });
    expect(oms.requests.map((r) => r.url)).toEqual([
      "/api/v1/oms/packages/?page=3&page_size=7&pk__in=5,6&state=600,601,100&carrier=3&order=A%26B%3DC%2BD%20%C3%A9&from=2024-07-01T00%3A00%3A00.000Z",
    ]);
  });

  it("answers null for a page past the last one, and fails for a missing first page", async () => {
    const oms = await fakeOms(() => jsonReply(404, { detail: "Invalid page." }));
    const client = clientFor(oms.url);
    expect(await client.listPackages({ filter: {}, page: 2, pageSize: 20 })).toBeNull();
    await expect(client.listPackages({ filter: {}, page: 1, pageSize: 20 })).rejects.toMatchObject({
      code: "OMS_UNAVAILABLE",
    });
  });

  it.each([
    [{ createdBefore: "2024-07-01T00:00:00.000Z" }, "createdBefore"],
    [{ statuses: ["other" as const] }, "status"],
    // 500 means delivered on this OMS: no number is left for packed.
    [{ statuses: ["packed" as const] }, "status"],
    [{ ids: [1] }, "ids"],
  ])("refuses %j before any call", async (filter, field) => {
    const oms = await fakeOms(() => jsonReply(200, page([])));
    const client = clientFor(oms.url, {
      packageFilterParams: filterParams,
      packageIdsParam: null,
      statusMap: new Map([["500", "delivered"]]),
    });
    const error = await client.listPackages({ filter, page: 1, pageSize: 20 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedFilterError);
    expect((error as UnsupportedFilterError).field).toBe(field);
    expect(oms.requests).toEqual([]);
  });
});
