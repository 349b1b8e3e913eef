/**
 * The OMS adapter: implements the domain's port over HTTP. Knows paths, bodies and status codes;
 * knows nothing of GraphQL.
 */
import { OmsError } from "../domain/errors.js";
import type { PackageRecord, PackageStatus } from "../domain/package.js";
import { MAX_PAGE_SIZE, type PackagePage, type PackagePageRequest } from "../domain/package-list.js";
import type { CallOptions, CargoCompanyRecord, OmsPort } from "../domain/ports.js";
import type { CommandVerdict, UpdateShipmentCommand } from "../domain/shipment.js";
import { isObject } from "../json.js";
import { commandNotAnswered, errorForStatus, mapCommandResponse } from "./command-result.js";
import type { OmsResponse, OmsTransport } from "./http.js";
import { toCargoCompanyRecord, toPackageRecord } from "./package-mapping.js";
import { PackageQueries, type PackageQueryOptions } from "./package-query.js";
import type { WireUpdateShipmentBody } from "./wire.js";

export interface OmsClientOptions {
  statusMap: ReadonlyMap<string, PackageStatus>;
  cargoCompaniesPath: string;
  /** The package list's multiple-id filter; null: packages are read one by one. */
  packageIdsParam: string | null;
  packageFilterParams: PackageQueryOptions["filterParams"];
}

// A runaway `next` chain must end somewhere; 100 pages of 100 is far beyond any carrier list.
const MAX_PAGES = 100;

export class OmsClient implements OmsPort {
  private readonly queries: PackageQueries;

  constructor(
    private readonly http: OmsTransport,
    private readonly options: OmsClientOptions,
  ) {
    this.queries = new PackageQueries({
      statusMap: options.statusMap,
      idsParam: options.packageIdsParam,
      filterParams: options.packageFilterParams,
    });
  }

  async updateShipment(
    command: UpdateShipmentCommand,
    transitionId: number,
    options?: CallOptions,
  ): Promise<CommandVerdict> {
    const path = `/api/v1/oms/packages/${command.packageId}/command/`;
    const body = JSON.stringify(toWireBody(command, transitionId));
    const res = await this.http.send("POST", path, "command", body, options).catch(commandNotAnswered);
    return mapCommandResponse(res, command.packageId);
  }

  async getPackage(id: number, options?: CallOptions): Promise<PackageRecord | null> {
    const res = await this.http.send("GET", `/api/v1/oms/packages/${id}/`, "package", null, options);
    if (res.status === 404) return null;
    const record = toPackageRecord(this.json(res), this.options.statusMap);
    if (record === null) throw malformed("package");
    return record;
  }

  // A single id is read at its own URL, the documented read; only several go through the list's
  // multiple-id filter, whose name is an assumption.
  async getPackages(
    ids: readonly number[],
    options?: CallOptions,
  ): Promise<Array<PackageRecord | null | Error>> {
    if (!this.queries.batched || ids.length === 1) {
      return Promise.all(ids.map((id) => this.getPackage(id, options).catch((error: Error) => error)));
    }
    const chunks: Array<readonly number[]> = [];
    for (let at = 0; at < ids.length; at += MAX_PAGE_SIZE) chunks.push(ids.slice(at, at + MAX_PAGE_SIZE));
    const found = await Promise.all(chunks.map((chunk) => this.readChunk(chunk, options)));
    return found.flatMap((byId, index) =>
      (chunks[index] as readonly number[]).map((id) =>
        byId instanceof Error ? byId : (byId.get(id) ?? null),
      ),
    );
  }

  async listPackages(request: PackagePageRequest, options?: CallOptions): Promise<PackagePage | null> {
    const path = this.queries.page(request);
    const res = await this.http.send("GET", path, "packages", null, options);
    if (res.status === 404 && request.page > 1) return null;
    const page = this.packagePage(this.json(res));
    return { count: page.count, packages: page.records };
  }

  // Private: one list call for at most a page of ids. DRF ignores a filter it does not know and
  // answers with every package: packages not asked for mean the parameter is wrong, and reading
  // them as "the others do not exist" would be a lie.
  private async readChunk(
    ids: readonly number[],
    options: CallOptions | undefined,
  ): Promise<Map<number, PackageRecord> | Error> {
    try {
      const res = await this.http.send("GET", this.queries.byIds(ids), "packages", null, options);
      const { count, records } = this.packagePage(this.json(res));
      const asked = new Set(ids);
      if (count > ids.length || records.some((record) => !asked.has(record.id))) {
        throw new OmsError(
          "OMS_UNAVAILABLE",
          "The OMS ignored the package list's multiple-id filter; check OMS_PACKAGE_IDS_PARAM.",
        );
      }
      return new Map(records.map((record) => [record.id, record]));
    } catch (error) {
      return error as Error;
    }
  }

  private packagePage(body: unknown): { count: number; records: PackageRecord[] } {
    if (!isObject(body) || !Array.isArray(body.results) || !Number.isSafeInteger(body.count)) {
      throw malformed("package page");
    }
    const records = body.results.map((item) => toPackageRecord(item, this.options.statusMap));
    if (records.some((record) => record === null)) throw malformed("package in a package page");
    return { count: body.count as number, records: records as PackageRecord[] };
  }

  async listCargoCompanies(options?: CallOptions): Promise<CargoCompanyRecord[]> {
    const companies: CargoCompanyRecord[] = [];
    let path: string | null = withQuery(this.options.cargoCompaniesPath, "page_size=100");
    for (let page = 0; path !== null && page < MAX_PAGES; page++) {
      const body = this.json(await this.http.send("GET", path, "cargo_companies", null, options));
      if (!isObject(body) || !Array.isArray(body.results)) throw malformed("cargo company page");
      for (const item of body.results) {
        const company = toCargoCompanyRecord(item);
        if (company !== null) companies.push(company);
      }
      path = this.nextPath(body.next);
    }
    return companies;
  }

  // Private: a `next` link pointing at another host would carry our credentials there; only
  // links on the OMS's own origin are followed.
  private nextPath(next: unknown): string | null {
    if (typeof next !== "string" || !URL.canParse(next)) return null;
    const url = new URL(next);
    if (url.origin !== this.http.origin) throw malformed("pagination link");
    const { prefix } = this.http;
    const path =
      prefix !== "" && url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname;
    return path + url.search;
  }

  private json(res: OmsResponse): unknown {
    if (res.status !== 200) throw errorForStatus(res);
    if (res.truncated) throw malformed("incomplete or oversized answer");
    try {
      return JSON.parse(res.body);
    } catch {
      throw malformed("non-JSON answer");
    }
  }
}

/** The command body exactly as the OMS documents it; `query_number` only when there is one. */
export function toWireBody(command: UpdateShipmentCommand, transitionId: number): WireUpdateShipmentBody {
  const body: WireUpdateShipmentBody = {
    transition_id: transitionId,
    awb_number: command.trackingNumber,
    cargo_company: command.cargoCompanyId,
  };
  if (command.queryNumber !== null) body.query_number = command.queryNumber;
  return body;
}

function withQuery(path: string, query: string): string {
  return path + (path.includes("?") ? "&" : "?") + query;
}

function malformed(what: string): OmsError {
  return new OmsError("OMS_UNAVAILABLE", `The OMS sent a malformed ${what}.`);
}
