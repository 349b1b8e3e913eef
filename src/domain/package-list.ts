/**
 * Listing packages: which packages a caller asks for, and one page of the OMS's answer. How the
 * filter is spelled on the wire, and whether the OMS can be asked for it at all, is the adapter's.
 */
import type { PackageRecord, PackageStatus } from "./package.js";

/** The filter fields whose OMS query parameter is configured by name (`ids` has its own setting). */
export const PACKAGE_FILTER_FIELDS = [
  "status",
  "cargoCompanyId",
  "orderNumber",
  "createdAfter",
  "createdBefore",
] as const;

export type PackageFilterField = (typeof PACKAGE_FILTER_FIELDS)[number];

/** Every field is optional; the fields given must all match. */
export interface PackageFilter {
  ids?: readonly number[];
  /** Any of these statuses. */
  statuses?: readonly PackageStatus[];
  cargoCompanyId?: number;
  orderNumber?: string;
  /** Inclusive bounds, ISO 8601 in UTC. */
  createdAfter?: string;
  createdBefore?: string;
}

/** One page of the OMS's package list, as the OMS pages it: numbered from 1, at most 100 packages. */
export interface PackagePageRequest {
  filter: PackageFilter;
  page: number;
  pageSize: number;
}

export interface PackagePage {
  /** How many packages match the filter in all. */
  count: number;
  packages: PackageRecord[];
}

/** The largest page the OMS serves. */
export const MAX_PAGE_SIZE = 100;

/**
 * A filter this OMS cannot be asked for (its query parameter is not configured, or a status has no
 * known state number). Thrown before any call.
 */
export class UnsupportedFilterError extends Error {
  override readonly name = "UnsupportedFilterError";

  constructor(
    readonly field: PackageFilterField | "ids",
    message: string,
  ) {
    super(message);
  }
}
