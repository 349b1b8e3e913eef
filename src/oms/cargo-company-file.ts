/**
 * A static cargo company catalogue (CARGO_COMPANIES_FILE), for installations whose OMS does not list
 * cargo companies over its API. The file holds the same items the OMS would send: a JSON array, or a
 * DRF page with `results`, of `{id, name, erp_code, shipping_company}` (`pk` is accepted for `id`).
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../config.js";
import type { CargoCompanyRecord } from "../domain/ports.js";
import { isObject } from "../json.js";
import { toCargoCompanyRecord } from "./package-mapping.js";

/**
 * @throws ConfigError naming the file and what is wrong with it (start-up stops as for any other
 * bad setting); read once at start-up.
 */
export function readCargoCompanyFile(path: string): CargoCompanyRecord[] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new ConfigError([`CARGO_COMPANIES_FILE ${path} is not readable JSON: ${(error as Error).message}`]);
  }
  const items = Array.isArray(raw) ? raw : isObject(raw) && Array.isArray(raw.results) ? raw.results : null;
  if (items === null) {
    throw new ConfigError([`CARGO_COMPANIES_FILE ${path} must hold an array of cargo companies.`]);
  }
  return items.map((item, index) => {
    const record = toCargoCompanyRecord(item);
    if (record === null) {
      throw new ConfigError([`CARGO_COMPANIES_FILE ${path}: item ${index} needs an integer id and a name.`]);
    }
    return record;
  });
}
