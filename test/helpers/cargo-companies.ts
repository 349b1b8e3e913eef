/**
 * The queries and reads the cargo company specs share: the demo companies in name order, the list
 * and lookup documents, and how many list reads reached the OMS.
 */
import { type Harness } from "./harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

export const CARGO_LIST_PATH = "/api/v1/oms/cargo_companies/";

/** The demo companies in name order, as the contract lists them. */
export const DEMO_NAMES = [
  "Aras Kargo",
  "DHL Express",
  "HepsiJET",
  "MNG Kargo",
  "PTT Kargo",
  "Sürat Kargo",
  "UPS",
  "Yurtiçi Kargo",
];

export const SEARCH = "query ($search: String) { cargoCompanies(filter: { search: $search }) { name } }";
export const ONE = "query ($id: ID!) { cargoCompany(id: $id) { id name erpCode shippingCompany } }";

export type Names = { cargoCompanies: Array<{ name: string }> };

export function names(res: { body: { data?: unknown } }): string[] {
  return ((res.body.data as Names | null)?.cargoCompanies ?? []).map((company) => company.name);
}

export function listCalls(h: Harness): number {
  return h.sim.requests.filter((r) => r.path === CARGO_LIST_PATH).length;
}

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------

// ---------------------------------------------------------------------------------------------
