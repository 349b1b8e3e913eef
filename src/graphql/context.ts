/**
 * The GraphQL context of one request: the request's loaders, what its commands did, and what it cost
 * at the OMS (for the request log line). Built once per HTTP request; loaders are created only when
 * used.
 */
import DataLoader from "dataloader";
import type { Logger } from "pino";
import type { CargoCompanyCatalogue, CatalogueEntry } from "../domain/cargo-company-catalogue.js";
import type { Limiter } from "../domain/limiter.js";
import type { PackageRecord } from "../domain/package.js";
import { MAX_PAGE_SIZE } from "../domain/package-list.js";
import type { CallOptions, CargoCompanyRecord, OmsCallRecord, OmsPort } from "../domain/ports.js";
import type { TransitionConfig } from "../domain/shipment.js";
import type { TrackingUrls } from "../domain/tracking-urls.js";
import type { Metrics } from "../metrics.js";
import { RequestStats } from "./request-stats.js";

/** What lives as long as the process and every request shares. */
export interface AppServices {
  oms: OmsPort;
  transitions: TransitionConfig;
  catalogue: CargoCompanyCatalogue;
  /** Carrier tracking URL templates (defaults and CARRIER_TRACKING_URLS). */
  trackingUrls: TrackingUrls;
  /** Bounds bulk commands in flight across the whole process (BULK_CONCURRENCY). */
  bulkLimiter: Limiter;
  bulkMaxItems: number;
  /** OMS_CLOCK_SKEW_MS: the allowance when verification compares the OMS's change times with ours. */
  clockSkewMs: number;
  /** Overall deadline of one bulk call (BULK_DEADLINE_MS). */
  bulkDeadlineMs: number;
  metrics: Metrics;
  /** Counts one OMS call in the metrics; the record is the OMS adapter's, passed on as it is. */
  countOmsCall(call: OmsCallRecord): void;
  log: Logger;
}

export interface RequestEffects {
  /**
   * True once a command of this request may have changed the OMS or got its verdict: only such
   * answers are worth keeping under an Idempotency-Key (a retry of any other may simply run again).
   */
  reachedOms: boolean;
  /**
   * Set when an earlier run of this request (same Idempotency-Key) was interrupted: when it began,
   * in epoch ms. Commands it may have applied are verified before anything is sent again.
   */
  recoverSince: number | null;
}

export class GatewayContext {
  readonly stats = new RequestStats();
  readonly callOptions: CallOptions;
  /**
   * What the request's commands did, for the Idempotency-Key layer. An object shared by reference:
   * Apollo Server hands resolvers a shallow copy of the context, so plain fields set there would
   * not be seen here.
   */
  readonly effects: RequestEffects = { reachedOms: false, recoverSince: null };
  private packageLoader?: DataLoader<number, PackageRecord | null>;
  private cargoCompanyLoader?: DataLoader<number, CargoCompanyRecord | null>;
  private catalogueEntry?: CatalogueEntry;

  constructor(
    readonly app: AppServices,
    readonly requestId: string,
  ) {
    this.callOptions = {
      // Sent to the OMS with each call, so its logs can be matched with ours.
      requestId,
      onCall: (call) => {
        this.stats.omsCall(call);
        this.app.countOmsCall(call);
      },
    };
  }

  /** Counts a command's business outcome in the metrics; returns the union member's name. */
  recordResult(mutation: string, result: { typename: string; code?: string }): string {
    const name = result.typename;
    const code = result.code ?? (name === "ValidationError" ? firstFieldCode(result) : null);
    this.app.metrics.recordResult(mutation, name, code);
    if (name !== "ShipmentUpdated") this.stats.itemFailed(code ?? name);
    return name;
  }

  /**
   * Packages by id for this request: each id is read once, and the reads asked for in the same tick
   * go to the OMS together, up to a page of ids per call. Per request, never shared: a read here is
   * never older than the request.
   */
  get packages(): DataLoader<number, PackageRecord | null> {
    this.packageLoader ??= new DataLoader((ids) => this.app.oms.getPackages(ids, this.callOptions), {
      maxBatchSize: MAX_PAGE_SIZE,
    });
    return this.packageLoader;
  }

  /** Packages a list call brought: later reads of them in this request are answered from it. */
  primePackages(records: readonly PackageRecord[]): void {
    for (const record of records) this.packages.prime(record.id, record);
  }

  /** Forgets a package read earlier in this request (a command changed it); creates no loader for it. */
  forgetPackage(id: number): void {
    this.packageLoader?.clear(id);
  }

  /**
   * `then` applied to a cargo company (null when the OMS has no such id): in place when the shared
   * catalogue is in memory, so a list of packages resolves its carriers without a promise each (one
   * look per request counts as the catalogue hit); else once `cargoCompanies` has read it.
   */
  withCargoCompany<T>(id: number, then: (record: CargoCompanyRecord | null) => T): T | Promise<T> {
    this.catalogueEntry ??= this.app.catalogue.peek() ?? undefined;
    if (this.catalogueEntry !== undefined) return then(this.catalogueEntry.byId.get(id) ?? null);
    return this.cargoCompanies.load(id).then(then);
  }

  /** Cargo companies by id, from the shared catalogue: at most one list read, and none when cached. */
  get cargoCompanies(): DataLoader<number, CargoCompanyRecord | null> {
    this.cargoCompanyLoader ??= new DataLoader(async (ids) => {
      const { byId } = await this.app.catalogue.get(this.callOptions);
      return ids.map((id) => byId.get(id) ?? null);
    });
    return this.cargoCompanyLoader;
  }
}

function firstFieldCode(result: object): string | null {
  const errors = (result as { fieldErrors?: Array<{ code: string }> }).fieldErrors;
  return errors?.[0]?.code ?? null;
}
