/**
 * The OMS adapter: implements the domain's port over HTTP. Knows paths, bodies and status codes;
 * knows nothing of GraphQL.
 */
import { OmsError } from "../domain/errors.js";
import type { PackageRecord, PackageStatus } from "../domain/package.js";
import type { CallOptions, CargoCompanyRecord, OmsPort } from "../domain/ports.js";
import type { CommandVerdict, UpdateShipmentCommand } from "../domain/shipment.js";
import { isObject } from "../json.js";
import { commandNotAnswered, errorForStatus, mapCommandResponse } from "./command-result.js";
import type { OmsResponse, OmsTransport } from "./http.js";
import { toCargoCompanyRecord, toPackageRecord } from "./package-mapping.js";
import type { WireUpdateShipmentBody } from "./wire.js";

export interface OmsClientOptions {
  statusMap: ReadonlyMap<string, PackageStatus>;
  cargoCompaniesPath: string;
}

// A runaway `next` chain must end somewhere; 100 pages of 100 is far beyond any carrier list.
const MAX_PAGES = 100;

export class OmsClient implements OmsPort {
  constructor(
    private readonly http: OmsTransport,
    private readonly options: OmsClientOptions,
  ) {}

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
