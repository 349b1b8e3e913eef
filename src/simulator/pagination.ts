import type { Reply } from "./http-io.js";
import type { OmsPage } from "./wire.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_PAGE_SIZE = 100;

/** DRF's PageNumberPagination: a bad page_size falls back to the default, a too large one is clamped. */
function pageSize(raw: string | null): number {
  if (raw === null || !/^\d+$/.test(raw)) return DEFAULT_PAGE_SIZE;
  const size = Number(raw);
  if (size === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(size, MAX_PAGE_SIZE);
}

/** The page number, or undefined when DRF would answer "Invalid page.". Page 1 always exists, even empty. */
function pageNumber(raw: string | null, pageCount: number): number | undefined {
  if (raw === null) return 1;
  if (raw === "last") return pageCount;
  if (!/^[+-]?\d+$/.test(raw)) return undefined;
  const page = Number(raw);
  return page >= 1 && page <= pageCount ? page : undefined;
}

/** Like DRF, the links keep every other query parameter, sorted, and the first page's link has no page param. */
function pageLink(pageUrl: string, query: URLSearchParams, page: number): string {
  const params = new URLSearchParams(query);
  if (page === 1) params.delete("page");
  else params.set("page", String(page));
  params.sort();
  const search = params.toString();
  return search === "" ? pageUrl : `${pageUrl}?${search}`;
}

/**
 * One page of `items` (already filtered and ordered). `pageUrl` is the absolute URL of the list without query,
 * as the client addressed it.
 */
export function paginate<T>(items: readonly T[], query: URLSearchParams, pageUrl: string): Reply {
  const size = pageSize(query.get("page_size"));
  const pageCount = Math.max(1, Math.ceil(items.length / size));
  const page = pageNumber(query.get("page"), pageCount);
  if (page === undefined) return { status: 404, json: { detail: "Invalid page." } };
  const body: OmsPage<T> = {
    count: items.length,
    next: page < pageCount ? pageLink(pageUrl, query, page + 1) : null,
    previous: page > 1 ? pageLink(pageUrl, query, page - 1) : null,
    results: items.slice((page - 1) * size, page * size),
  };
  return { status: 200, json: body };
}
