/**
 * What the domain needs from the OMS, stated without HTTP. `oms/oms-client.ts` implements it; tests
 * and the simulator-backed app use the same implementation.
 */
import type { PackageRecord } from "./package.js";
import type { PackagePage, PackagePageRequest } from "./package-list.js";
import type { CommandVerdict, UpdateShipmentCommand } from "./shipment.js";

export interface CargoCompanyRecord {
  id: number;
  name: string;
  erpCode: string | null;
  shippingCompany: string | null;
}

/**
 * One OMS call, reported by the adapter as it ends so a request can log and count what it cost. Its
 * fields are the adapter's: above it the record is passed on, never read.
 */
export type OmsCallRecord = object;

export interface CallOptions {
  onCall?: (call: OmsCallRecord) => void;
  /** The id of the request the call is made for, passed on to the OMS for its logs. */
  requestId?: string;
  /** Ask once, without the retries reads usually get: for reads whose count matters. */
  once?: boolean;
  /**
   * When the caller stops waiting, in `performance.now()` milliseconds. A call not yet sent by then
   * is not sent (OmsError with `deadlineExceeded`); one in flight gets at most the time left.
   */
  deadlineAt?: number;
}

export interface OmsPort {
  /**
   * Sends the command once, with the transition the use case chose (the command's own, or the
   * configured one); never retries. Failures to get an answer throw OmsError
   * (OMS_OUTCOME_UNKNOWN when the command may have been applied).
   */
  updateShipment(
    command: UpdateShipmentCommand,
    transitionId: number,
    options?: CallOptions,
  ): Promise<CommandVerdict>;
  /** null when the OMS has no such package. */
  getPackage(id: number, options?: CallOptions): Promise<PackageRecord | null>;
  /**
   * Many packages in as few calls as the OMS allows (one list call per 100 ids where it can filter
   * by several ids). One entry per id, in order: the package, null when the OMS has none, or the
   * error of the call that should have brought it.
   */
  getPackages(ids: readonly number[], options?: CallOptions): Promise<Array<PackageRecord | null | Error>>;
  /**
   * One page of the package list; null when the page is past the last one.
   * @throws UnsupportedFilterError before any call when this OMS cannot be asked for the filter.
   */
  listPackages(request: PackagePageRequest, options?: CallOptions): Promise<PackagePage | null>;
  /** Every cargo company, all pages followed. */
  listCargoCompanies(options?: CallOptions): Promise<CargoCompanyRecord[]>;
}
