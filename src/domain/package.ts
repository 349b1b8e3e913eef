/**
 * Packages (packaging orders) as the gateway understands them, independent of the OMS wire format.
 */

export const PACKAGE_STATUSES = [
  "waiting",
  "preparing",
  "ready_for_packaging",
  "packed",
  "shipped",
  "delivered",
  "attempted_delivery",
  "delivery_failed",
  "cancelled",
  "other",
] as const;

export type PackageStatus = (typeof PACKAGE_STATUSES)[number];

export interface Shipment {
  trackingNumber: string | null;
  queryNumber: string | null;
  cargoCompanyId: number | null;
}

export interface ShippingLabel {
  url: string | null;
  updatedAt: string | null;
}

export interface PackageRecord {
  id: number;
  number: string | null;
  status: PackageStatus;
  /** The OMS state name as sent, kept for statuses the gateway does not know. */
  statusName: string;
  shipment: Shipment | null;
  label: ShippingLabel | null;
  orderNumber: string | null;
  /** The OMS's `modified_date` as sent: moves whenever the package changes. */
  modifiedAt: string | null;
}

/**
 * The OMS state numbers that Akinon documents publicly. The numbers of Shipped, Delivered and the
 * rest are installation details, so they come from OMS_STATUS_MAP or are recognised by name.
 */
export const PUBLIC_STATE_NUMBERS: ReadonlyMap<string, PackageStatus> = new Map([
  ["100", "waiting"],
  ["200", "preparing"],
  ["400", "ready_for_packaging"],
  ["500", "packed"],
]);

const KNOWN_NAMES: ReadonlySet<string> = new Set(PACKAGE_STATUSES.filter((s) => s !== "other"));

/**
 * Recognises a package status: by `enum_value` when it is a public number or configured in
 * `extra` (which overrides), otherwise by the normalised state name, otherwise "other".
 */
export function recognizeStatus(
  enumValue: string | null | undefined,
  name: string | null | undefined,
  extra: ReadonlyMap<string, PackageStatus>,
): PackageStatus {
  if (enumValue != null) {
    const byNumber = extra.get(enumValue) ?? PUBLIC_STATE_NUMBERS.get(enumValue);
    if (byNumber !== undefined) return byNumber;
  }
  if (name != null) {
    const normalised = name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, "_");
    if (KNOWN_NAMES.has(normalised)) return normalised as PackageStatus;
  }
  return "other";
}
