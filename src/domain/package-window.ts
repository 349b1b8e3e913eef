/**
 * A window of the package list by position (`first` packages after an offset) read from the OMS's
 * numbered pages. A page size is chosen so that the window lies within one page when one fits; when
 * none does, the window spans two consecutive pages of `first` packages.
 */
import type { PackageRecord } from "./package.js";
import {
  MAX_PAGE_SIZE,
  type PackageFilter,
  type PackagePage,
  type PackagePageRequest,
} from "./package-list.js";

export type ReadPage = (request: PackagePageRequest) => Promise<PackagePage | null>;

export interface PackageWindow {
  /** How many packages match the filter in all. */
  count: number;
  /** The packages at positions offset, offset + 1, …: at most `first`, fewer at the end. */
  packages: PackageRecord[];
}

/** The pages that hold positions [offset, offset + first), first ≥ 1, all of the same size. */
export function pagesFor(offset: number, first: number): { pageSize: number; pages: number[] } {
  const last = offset + first - 1;
  for (let size = first; size <= MAX_PAGE_SIZE; size++) {
    const page = Math.floor(offset / size);
    if (page === Math.floor(last / size)) return { pageSize: size, pages: [page + 1] };
  }
  const page = Math.floor(offset / first) + 1;
  return { pageSize: first, pages: [page, page + 1] };
}

/**
 * Reads the window. An empty `ids` or `statuses` matches nothing and is answered without a call: the
 * OMS would read an empty filter value as no filter at all.
 * @param first 0 to MAX_PAGE_SIZE; 0 reads only the count.
 */
export async function readWindow(
  readPage: ReadPage,
  filter: PackageFilter,
  offset: number,
  first: number,
): Promise<PackageWindow> {
  if (filter.ids?.length === 0 || filter.statuses?.length === 0) return { count: 0, packages: [] };
  if (first === 0) return { count: await countOf(readPage, filter), packages: [] };
  const { pageSize, pages } = pagesFor(offset, first);
  const read = await Promise.all(pages.map((page) => readPage({ filter, page, pageSize })));
  const [head] = read;
  if (!head) return { count: await countOf(readPage, filter), packages: [] };
  const from = offset - ((pages[0] as number) - 1) * pageSize;
  const packages = read.flatMap((page) => page?.packages ?? []).slice(from, from + first);
  return { count: head.count, packages };
}

// Private: the first page always exists, even when nothing matches.
async function countOf(readPage: ReadPage, filter: PackageFilter): Promise<number> {
  const page = await readPage({ filter, page: 1, pageSize: 1 });
  return page?.count ?? 0;
}
