import type { OmsCargoCompany, OmsState } from "./wire.js";

/**
 * The fixed tables of the simulated OMS installation. Waiting, Preparing, Ready for Packaging and Packed carry
 * the OMS's public enum numbers; the others are not public, so these numbers are the simulator's own and the
 * gateway must not rely on them.
 */
export const STATUSES = {
  waiting: { id: 1, name: "Waiting", enum_value: "100" },
  preparing: { id: 2, name: "Preparing", enum_value: "200" },
  ready_for_packaging: { id: 3, name: "Ready for Packaging", enum_value: "400" },
  packed: { id: 4, name: "Packed", enum_value: "500" },
  shipped: { id: 5, name: "Shipped", enum_value: "600" },
  delivered: { id: 6, name: "Delivered", enum_value: "700" },
  attempted_delivery: { id: 7, name: "Attempted Delivery", enum_value: "710" },
  delivery_failed: { id: 8, name: "Delivery Failed", enum_value: "720" },
  cancelled: { id: 9, name: "Cancelled", enum_value: "950" },
} as const;

export type StatusKey = keyof typeof STATUSES;

/** The statuses in which the update-shipment command may run at all. */
export const SHIPMENT_UPDATABLE: ReadonlySet<string> = new Set<StatusKey>([
  "packed",
  "shipped",
  "delivered",
  "attempted_delivery",
]);

export function wireState(status: StatusKey): OmsState {
  const { id, name, enum_value } = STATUSES[status];
  return { id, name, enum_class: "PackageStatus", enum_value };
}

const byEnumValue = new Map<string, string>(
  Object.entries(STATUSES).map(([key, state]) => [state.enum_value, key]),
);

/**
 * A package's status key. Packages put in through setPackage may carry numbers the simulator does not know,
 * so the name is the fallback, normalised the same way the gateway does it.
 */
export function statusOf(state: OmsState): string {
  return (
    byEnumValue.get(state.enum_value) ??
    state.name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, "_")
  );
}

export interface Transition {
  id: number;
  source: StatusKey;
  destination: StatusKey;
}

export const TRANSITIONS: ReadonlyMap<number, Transition> = new Map(
  (
    [
      [41, "packed", "packed"],
      [42, "shipped", "shipped"],
      [43, "delivered", "delivered"],
      [44, "attempted_delivery", "attempted_delivery"],
      [50, "packed", "shipped"],
    ] as const
  ).map(([id, source, destination]) => [id, { id, source, destination }]),
);

/** The update-shipment transition a package in this status would run, if any. */
export function shipmentTransitionFor(status: string): Transition | undefined {
  for (const transition of TRANSITIONS.values()) {
    if (transition.source === status && transition.destination === status) return transition;
  }
  return undefined;
}

export const CARGO_COMPANIES: readonly OmsCargoCompany[] = [
  { id: 1, name: "Yurtiçi Kargo", erp_code: "yurtici-kargo", shipping_company: "yurtici" },
  { id: 2, name: "Aras Kargo", erp_code: "aras-kargo", shipping_company: "aras" },
  { id: 3, name: "MNG Kargo", erp_code: "mng-kargo", shipping_company: "mng" },
  { id: 4, name: "PTT Kargo", erp_code: "ptt-kargo", shipping_company: "ptt" },
  { id: 5, name: "Sürat Kargo", erp_code: "surat-kargo", shipping_company: "surat" },
  { id: 6, name: "UPS", erp_code: "ups", shipping_company: "ups" },
  { id: 7, name: "DHL Express", erp_code: "dhl-express", shipping_company: "dhl" },
  { id: 8, name: "HepsiJET", erp_code: "hepsijet", shipping_company: "hepsijet" },
];

export const CARGO_COMPANY_IDS: ReadonlySet<number> = new Set(CARGO_COMPANIES.map((company) => company.id));
