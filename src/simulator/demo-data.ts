import { type StatusKey, shipmentTransitionFor, wireState } from "./catalogue.js";
import type { OmsPackage, OmsShipment } from "./wire.js";

export const DEMO_OMS_TOKEN = "demo-oms-token";

const STOCK_LOCATIONS = [
  { id: 1, name: "İstanbul Merkez Depo", erp_code: "WH-IST-01" },
  { id: 2, name: "Ankara Bölge Depo", erp_code: "WH-ANK-01" },
] as const;

interface Seed {
  id: number;
  status: StatusKey;
  shipment: OmsShipment | null;
}

const ship = (cargo_company: number, awb_number: string, query_number: string | null = null) => ({
  awb_number,
  query_number,
  cargo_company,
});

const SEEDS: readonly Seed[] = [
  { id: 1001, status: "packed", shipment: ship(1, "YK1001") },
  { id: 1002, status: "shipped", shipment: ship(2, "AR1002", "Q-1002") },
  { id: 1003, status: "delivered", shipment: ship(3, "MN1003") },
  { id: 1004, status: "attempted_delivery", shipment: ship(1, "YK1004") },
  { id: 1005, status: "waiting", shipment: null },
  { id: 1006, status: "preparing", shipment: null },
  { id: 1007, status: "delivery_failed", shipment: ship(2, "AR1007") },
  { id: 1008, status: "cancelled", shipment: null },
];

/** Bulk packages for list and benchmark traffic: all packed, none shipped yet. */
export const BULK_FIRST_ID = 2000;
export const BULK_LAST_ID = 2999;

/**
 * Packages to list, filter and page through: statuses cycle packed, shipped, delivered, waiting and
 * cargo companies 1 to 8, so filters combine into small, predictable pages.
 */
export const LIST_FIRST_ID = 3001;
export const LIST_LAST_ID = 3060;
const LIST_STATUSES: readonly StatusKey[] = ["packed", "shipped", "delivered", "waiting"];
const TRACKING_PREFIX = ["YK", "AR", "MN", "PT", "SR", "1Z", "DH", "HJ"];

// Fixed dates keep the demo data identical between runs, so tests can compare whole packages.
const DEMO_CREATED = Date.UTC(2024, 4, 6, 9, 0, 0);
const BULK_CREATED = Date.UTC(2024, 5, 3, 8, 0, 0);
const LIST_CREATED = Date.UTC(2024, 6, 1, 8, 0, 0);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function demoPackage(seed: Seed, createdAt: number, baseUrl: string): OmsPackage {
  const transition = shipmentTransitionFor(seed.status);
  const modified = new Date(createdAt + 2 * HOUR).toISOString();
  return {
    id: seed.id,
    number: `PKG-${seed.id}`,
    state: wireState(seed.status),
    commands: transition ? [{ transition_id: transition.id, name: "update_shipment_info" }] : [],
    order_id: 500_000 + seed.id,
    order_number: `ORD-${seed.id}`,
    shipment: seed.shipment ? { ...seed.shipment } : null,
    shipping_label: seed.shipment
      ? { url: `${baseUrl}/labels/${seed.id}/1.pdf`, modified_date: modified }
      : null,
    stock_location: { ...(seed.id % 2 === 0 ? STOCK_LOCATIONS[0] : STOCK_LOCATIONS[1]) },
    created_date: new Date(createdAt).toISOString(),
    modified_date: modified,
  };
}

/** A fresh copy of the demo packages; label URLs point at the simulator serving them. */
export function buildDemoPackages(baseUrl: string): Map<number, OmsPackage> {
  const packages = new Map<number, OmsPackage>();
  for (const [index, seed] of SEEDS.entries()) {
    packages.set(seed.id, demoPackage(seed, DEMO_CREATED + index * 37 * MINUTE, baseUrl));
  }
  for (let id = BULK_FIRST_ID; id <= BULK_LAST_ID; id++) {
    const seed: Seed = { id, status: "packed", shipment: null };
    packages.set(id, demoPackage(seed, BULK_CREATED + (id - BULK_FIRST_ID) * MINUTE, baseUrl));
  }
  for (let id = LIST_FIRST_ID; id <= LIST_LAST_ID; id++) {
    const index = id - LIST_FIRST_ID;
    packages.set(id, demoPackage(listSeed(id), LIST_CREATED + index * HOUR, baseUrl));
  }
  return packages;
}

// Private: shipped and delivered packages have a shipment, and every other packed one; waiting
// ones have none yet.
function listSeed(id: number): Seed {
  const index = id - LIST_FIRST_ID;
  const status = LIST_STATUSES[index % LIST_STATUSES.length] as StatusKey;
  const cargo = (index % 8) + 1;
  const shipped = status === "shipped" || status === "delivered" || (status === "packed" && index % 8 === 4);
  return { id, status, shipment: shipped ? ship(cargo, `${TRACKING_PREFIX[cargo - 1]}${id}`) : null };
}
