/**
 * The cargo company column holds what the ERP holds: an OMS id, a name ("Aras Kargo") or an ERP code
 * ("aras-kargo"). Names and codes are matched like the gateway's `cargoCompanies` search (case and
 * accents folded); only one company may match.
 */
import { foldForSearch } from "../domain/cargo-company-catalogue.js";

export interface CargoCompanyEntry {
  id: string;
  name: string;
  erpCode: string | null;
  shippingCompany: string | null;
}

export type Resolution = { id: string } | { code: string; message: string };

const OMS_ID = /^[1-9][0-9]{0,15}$/;

/** True when `cell` needs the company list: anything but an id. */
export function needsLookup(cell: string): boolean {
  return !OMS_ID.test(cell);
}

/**
 * The company `cell` names. An id is taken as it is (the gateway and the OMS judge it); a name or
 * code matching exactly wins over one that only contains it.
 * @param column the column's name in the file, for the message
 */
export function resolveCargoCompany(
  cell: string,
  companies: readonly CargoCompanyEntry[],
  column: string,
): Resolution {
  if (!needsLookup(cell)) return { id: cell };
  const needle = foldForSearch(cell);
  if (needle === "") {
    return {
      code: "MISSING_CARGO_COMPANY",
      message: `${column} is empty; give the cargo company's id, name or ERP code.`,
    };
  }
  const fields = (c: CargoCompanyEntry) =>
    [c.name, c.erpCode, c.shippingCompany].filter((v): v is string => v !== null).map(foldForSearch);
  const exact = companies.filter((c) => fields(c).includes(needle));
  const matches =
    exact.length > 0 ? exact : companies.filter((c) => fields(c).some((f) => f.includes(needle)));
  if (matches.length === 1) return { id: (matches[0] as CargoCompanyEntry).id };
  if (matches.length > 1) {
    return {
      code: "AMBIGUOUS_CARGO_COMPANY",
      message: `${column} "${cell}" matches ${matches.length} cargo companies: ${list(matches)}; write the id or the full name.`,
    };
  }
  return {
    code: "UNKNOWN_CARGO_COMPANY",
    message: `${column} "${cell}" matches no cargo company; the OMS knows ${list(companies)}.`,
  };
}

function list(companies: readonly CargoCompanyEntry[]): string {
  const shown = companies
    .slice(0, 12)
    .map((c) => `${c.name} (id ${c.id}${c.erpCode ? `, ${c.erpCode}` : ""})`);
  return companies.length > shown.length
    ? `${shown.join(", ")} and ${companies.length - shown.length} more`
    : shown.join(", ");
}
