/**
 * The package list's query strings: a page of a filtered list, and the batched read of many ids.
 * The parameter names are not published by the OMS, so they come from the configuration; a filter
 * without one is refused before any call, because DRF ignores parameters it does not know and would
 * answer with every package.
 */
import { type PackageStatus, PUBLIC_STATE_NUMBERS } from "../domain/package.js";
import {
  type PackageFilter,
  type PackageFilterField,
  type PackagePageRequest,
  UnsupportedFilterError,
} from "../domain/package-list.js";

export const PACKAGES_PATH = "/api/v1/oms/packages/";

export interface PackageQueryOptions {
  statusMap: ReadonlyMap<string, PackageStatus>;
  /** null: the OMS cannot be asked for several ids at once. */
  idsParam: string | null;
  filterParams: Readonly<Record<PackageFilterField, string | null>>;
}

export class PackageQueries {
  private readonly numbersOf: ReadonlyMap<PackageStatus, readonly string[]>;

  constructor(private readonly options: PackageQueryOptions) {
    this.numbersOf = stateNumbersByStatus(options.statusMap);
  }

  /** Whether several packages can be read in one list call. */
  get batched(): boolean {
    return this.options.idsParam !== null;
  }

  /** The path of one list call for these ids (at most a page of them), on one page. */
  byIds(ids: readonly number[]): string {
    return `${PACKAGES_PATH}?${this.options.idsParam}=${ids.join(",")}&page_size=${ids.length}`;
  }

  /**
   * The path of one page of the filtered list.
   * @throws UnsupportedFilterError when a field of the filter cannot be asked of this OMS.
   */
  page({ filter, page, pageSize }: PackagePageRequest): string {
    const params = [`page=${page}`, `page_size=${pageSize}`];
    for (const [name, value] of this.filterParams(filter)) params.push(`${name}=${value}`);
    return `${PACKAGES_PATH}?${params.join("&")}`;
  }

  // Private: name and encoded value of each filter field given, in a fixed order.
  private filterParams(filter: PackageFilter): Array<[string, string]> {
    const params: Array<[string, string]> = [];
    if (filter.ids !== undefined) {
      const name = this.options.idsParam;
      if (name === null) {
        throw new UnsupportedFilterError(
          "ids",
          "This gateway cannot filter packages by ids: the OMS list's multiple-id parameter is not configured.",
        );
      }
      params.push([name, filter.ids.join(",")]);
    }
    if (filter.statuses !== undefined) {
      params.push([this.nameOf("status"), this.stateNumbers(filter.statuses).join(",")]);
    }
    const plain: Array<[PackageFilterField, string | number | undefined]> = [
      ["cargoCompanyId", filter.cargoCompanyId],
      ["orderNumber", filter.orderNumber],
      ["createdAfter", filter.createdAfter],
      ["createdBefore", filter.createdBefore],
    ];
    for (const [field, value] of plain) {
      if (value !== undefined) params.push([this.nameOf(field), encodeURIComponent(String(value))]);
    }
    return params;
  }

  private nameOf(field: PackageFilterField): string {
    const name = this.options.filterParams[field];
    if (name === null) {
      throw new UnsupportedFilterError(
        field,
        `This gateway cannot filter packages by ${field}: the OMS list's parameter for it is not configured.`,
      );
    }
    return name;
  }

  // Private: statuses are matched on the OMS by state number, so a status whose number is not
  // known (not public, not in OMS_STATUS_MAP) cannot be asked for.
  private stateNumbers(statuses: readonly PackageStatus[]): string[] {
    const numbers: string[] = [];
    for (const status of statuses) {
      const known = this.numbersOf.get(status);
      if (known === undefined) {
        throw new UnsupportedFilterError(
          "status",
          `This gateway cannot filter packages by status ${status.toUpperCase()}: the OMS state number of that status is not configured.`,
        );
      }
      numbers.push(...known);
    }
    return [...new Set(numbers)];
  }
}

// Private: the inverse of status recognition by number: the public numbers, overridden or extended
// by the configured map.
function stateNumbersByStatus(statusMap: ReadonlyMap<string, PackageStatus>): Map<PackageStatus, string[]> {
  const merged = new Map<string, PackageStatus>([...PUBLIC_STATE_NUMBERS, ...statusMap]);
  const byStatus = new Map<PackageStatus, string[]>();
  for (const [number, status] of merged) byStatus.set(status, [...(byStatus.get(status) ?? []), number]);
  return byStatus;
}
