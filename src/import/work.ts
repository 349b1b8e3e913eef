/**
 * The rows of the file and what is sent for each: the row's values, with the cargo company cell
 * turned into the id the gateway takes. A name or code that matches no company, or several, makes
 * the row one to fix; it is never sent.
 */
import { AbortError } from "p-retry";
import { type CargoCompanyEntry, needsLookup, resolveCargoCompany } from "./carriers.js";
import type { GatewayClient, ShipmentInput } from "./client.js";
import { type CsvDialect, readCsv } from "./csv.js";
import { type Header, type ImportRow, RowReader, readHeader } from "./rows.js";

/** A row that goes to the gateway: its input once the cargo company is known. */
export interface Work {
  row: ImportRow;
  input: ShipmentInput;
}

/** A row refused before sending, with its code and message. */
export type RowErrors = Map<ImportRow, { code: string; message: string }>;

/** The header and every data row, streamed from the file. */
export async function readRows(
  path: string,
  dialect: CsvDialect,
): Promise<{ header: Header; rows: ImportRow[] }> {
  let header: Header | undefined;
  let reader: RowReader | undefined;
  const rows: ImportRow[] = [];
  await readCsv(path, dialect, (record) => {
    if (reader === undefined) {
      header = readHeader(record);
      reader = new RowReader(header);
    } else {
      rows.push(reader.read(record));
    }
  });
  return { header: header ?? readHeader(undefined), rows };
}

/**
 * Each row's input, its cargo company looked up when the cell is a name or code.
 * @throws AbortError when the company list is needed and cannot be read
 */
export async function resolveCompanies(
  rows: ImportRow[],
  header: Header,
  client: GatewayClient,
  errors: RowErrors,
): Promise<Work[]> {
  let companies: CargoCompanyEntry[] = [];
  if (rows.some((row) => row.values !== null && needsLookup(row.values.cargoCompany))) {
    try {
      companies = await client.cargoCompanies();
    } catch (error) {
      throw new AbortError(
        `Cannot read the cargo company list from the gateway: ${(error as Error).message}`,
      );
    }
  }
  const work: Work[] = [];
  for (const row of rows) {
    const values = row.values;
    if (values === null) continue;
    const found = resolveCargoCompany(values.cargoCompany, companies, header.columns.cargoCompany);
    if ("code" in found) {
      errors.set(row, found);
      continue;
    }
    const input: ShipmentInput = {
      packageId: values.packageId,
      cargoCompanyId: found.id,
      trackingNumber: values.trackingNumber,
    };
    if (values.queryNumber !== undefined) input.queryNumber = values.queryNumber;
    work.push({ row, input });
  }
  return work;
}
