/**
 * Windows of the package list by position, read from numbered pages: whatever the offset and size,
 * the pages chosen hold the window, and the window read is exactly that slice of the list.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PackageRecord } from "../src/domain/package.js";
import type { PackagePageRequest } from "../src/domain/package-list.js";
import { pagesFor, readWindow } from "../src/domain/package-window.js";

const record = (id: number): PackageRecord => ({
  id,
  number: null,
  status: "packed",
  statusName: "Packed",
  shipment: null,
  label: null,
  orderNumber: null,
  modifiedAt: null,
});

/** DRF's page pagination over `count` packages: null past the last page, page 1 always. */
function pager(count: number) {
  const requests: PackagePageRequest[] = [];
  const read = async (request: PackagePageRequest) => {
    requests.push(request);
    const { page, pageSize } = request;
    if (page > 1 && (page - 1) * pageSize >= count) return null;
    const from = (page - 1) * pageSize;
    const ids = Array.from({ length: Math.max(0, Math.min(pageSize, count - from)) }, (_, i) => from + i);
    return { count, packages: ids.map(record) };
  };
  return { read, requests };
}

describe("pagesFor", () => {
  it.each([
    [0, 20, { pageSize: 20, pages: [1] }],
    [40, 20, { pageSize: 20, pages: [3] }],
    [3, 10, { pageSize: 13, pages: [1] }],
    [13, 100, { pageSize: 100, pages: [1, 2] }],
    [1001, 99, { pageSize: 100, pages: [11] }],
  ])("offset %i, first %i → %j", (offset, first, expected) => {
    expect(pagesFor(offset, first)).toEqual(expected);
  });

  it("always chooses pages of first to 100 packages that hold the whole window", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 100 }),
        (offset, first) => {
          const { pageSize, pages } = pagesFor(offset, first);
          expect(pageSize).toBeGreaterThanOrEqual(first);
          expect(pageSize).toBeLessThanOrEqual(100);
          expect(pages.length === 1 || (pages.length === 2 && pages[1] === (pages[0] as number) + 1)).toBe(
            true,
          );
          expect(((pages[0] as number) - 1) * pageSize).toBeLessThanOrEqual(offset);
          expect((pages.at(-1) as number) * pageSize).toBeGreaterThanOrEqual(offset + first);
        },
      ),
      { numRuns: 2_000 },
    );
  });
});

describe("readWindow", () => {
  it("reads exactly the slice [offset, offset + first) of any list", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 450 }),
        fc.integer({ min: 0, max: 100 }),
        async (count, offset, first) => {
          const { read, requests } = pager(count);
          const window = await readWindow(read, {}, offset, first);
          const expected = Array.from({ length: count }, (_, i) => i).slice(offset, offset + first);
          expect(window.count).toBe(count);
          expect(window.packages.map((p) => p.id)).toEqual(first === 0 ? [] : expected);
          // One page or two; past the end, one more for the count.
          expect(requests.length).toBeLessThanOrEqual(offset < count ? 2 : 3);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it("answers an empty ids or statuses filter without reading a page", async () => {
    const { read, requests } = pager(10);
    expect(await readWindow(read, { ids: [] }, 0, 20)).toEqual({ count: 0, packages: [] });
    expect(await readWindow(read, { statuses: [] }, 0, 20)).toEqual({ count: 0, packages: [] });
    expect(requests).toEqual([]);
  });
});
