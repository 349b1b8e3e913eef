/**
 * What the counting OMS holds, in the OMS's wire format: packages (every id exists, packed, with a
 * shipment; applying a command sets the shipment and moves every change marker: the package's and
 * the label's modification time, and the label's URL, as the OMS does when it regenerates the
 * label), a few cargo companies, and the command body it accepts.
 */
import type { ShipmentValues } from "./command-faults.js";

export interface PackageState {
  id: number;
  shipment: ShipmentValues;
  modifiedAt: number;
  labelVersion: number;
  /** Reads of the package fail until then (epoch ms). */
  readsFailUntil: number;
}

// Packages start modified an hour ago, so a change marker older than a command is easy to tell.
const INITIAL_AGE_MS = 3_600_000;

export class Packages {
  private readonly byId = new Map<number, PackageState>();

  /** @param origin the OMS's URL, for label links */
  constructor(private readonly origin: () => string) {}

  get(id: number): PackageState {
    let pkg = this.byId.get(id);
    if (!pkg) {
      pkg = {
        id,
        shipment: { awb_number: `INIT-${id}`, query_number: null, cargo_company: 1 },
        modifiedAt: Date.now() - INITIAL_AGE_MS,
        labelVersion: 0,
        readsFailUntil: 0,
      };
      this.byId.set(id, pkg);
    }
    return pkg;
  }

  apply(id: number, values: ShipmentValues): void {
    const pkg = this.get(id);
    pkg.shipment = { ...values };
    pkg.modifiedAt = Date.now();
    pkg.labelVersion++;
  }

  /** The package as the OMS's package endpoint returns it. */
  wire(pkg: PackageState): unknown {
    const modified = new Date(pkg.modifiedAt).toISOString();
    return {
      id: pkg.id,
      number: `PKG-${pkg.id}`,
      state: { name: "Packed", enum_value: "500" },
      shipment: { ...pkg.shipment },
      shipping_label: {
        url: `${this.origin()}/labels/${pkg.id}/${pkg.labelVersion}.pdf`,
        modified_date: modified,
      },
      modified_date: modified,
    };
  }
}

export const CARGO_COMPANIES = [
  { id: 1, name: "Yurtiçi Kargo", erp_code: "yurtici-kargo", shipping_company: "yurtici" },
  { id: 2, name: "Aras Kargo", erp_code: "aras-kargo", shipping_company: "aras" },
  { id: 3, name: "MNG Kargo", erp_code: "mng-kargo", shipping_company: "mng" },
];

/** The command body, or null when it is not one the OMS would accept. */
export function parseCommand(text: string): ShipmentValues | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof body !== "object" || body === null) return null;
  const { awb_number, query_number, cargo_company, transition_id } = body as Record<string, unknown>;
  if (typeof awb_number !== "string" || typeof cargo_company !== "number") return null;
  if (typeof transition_id !== "number") return null;
  return { awb_number, query_number: typeof query_number === "string" ? query_number : null, cargo_company };
}

export function page(results: unknown[]): unknown {
  return { count: results.length, next: null, previous: null, results };
}
