/**
 * OMS package and cargo company payloads → domain records. The payloads are read defensively: a
 * missing or oddly typed field gives null rather than an exception, and an unknown status stays
 * visible as "other" with its name.
 */
import type { PackageRecord, PackageStatus } from "../domain/package.js";
import { recognizeStatus } from "../domain/package.js";
import type { CargoCompanyRecord } from "../domain/ports.js";
import { isObject } from "../json.js";

export function toPackageRecord(
  raw: unknown,
  statusMap: ReadonlyMap<string, PackageStatus>,
): PackageRecord | null {
  if (!isObject(raw)) return null;
  const id = int(raw.id);
  if (id === null) return null;
  const state = isObject(raw.state) ? raw.state : {};
  const enumValue =
    str(state.enum_value) ?? (typeof state.enum_value === "number" ? String(state.enum_value) : null);
  const name = str(state.name);
  const shipment = isObject(raw.shipment) ? raw.shipment : null;
  const label = isObject(raw.shipping_label) ? raw.shipping_label : null;
  return {
    id,
    number: str(raw.number),
    status: recognizeStatus(enumValue, name, statusMap),
    statusName: name ?? enumValue ?? "",
    shipment: shipment && {
      trackingNumber: str(shipment.awb_number),
      queryNumber: str(shipment.query_number),
      cargoCompanyId: int(shipment.cargo_company) ?? idOf(shipment.cargo_company),
    },
    label: label && { url: str(label.url), updatedAt: str(label.modified_date) },
    orderNumber: str(raw.order_number),
    modifiedAt: str(raw.modified_date),
  };
}

export function toCargoCompanyRecord(raw: unknown): CargoCompanyRecord | null {
  if (!isObject(raw)) return null;
  // Omnitron's cargo list names the id `pk`; accept both.
  const id = int(raw.id) ?? int(raw.pk);
  const name = str(raw.name);
  if (id === null || name === null) return null;
  return { id, name, erpCode: str(raw.erp_code), shippingCompany: str(raw.shipping_company) };
}

// Private: some OMS versions nest the cargo company as an object instead of sending its id.
function idOf(value: unknown): number | null {
  return isObject(value) ? int(value.id) : null;
}

function str(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function int(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) ? value : null;
}
