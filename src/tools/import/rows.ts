/**
 * Turns the records of an import file into rows: the ones to send to the gateway, and the ones
 * answered here because sending them could only do harm (unreadable rows, a package already in the
 * file). The gateway stays the judge of everything else, so its codes reach the result file.
 */
import type { CsvRecord } from "./csv.js";

/** The columns of an import file; query_number may be left out of the header. */
export const COLUMNS = ["package_id", "cargo_company_id", "tracking_number", "query_number"] as const;

/** One input of the bulk mutation, as sent. */
export interface ShipmentInput {
  packageId: string;
  cargoCompanyId: string;
  trackingNumber: string;
  queryNumber?: string;
}

/** One line of the result file. */
export interface RowResult {
  line: number;
  packageId: string;
  /** The union member the gateway answered with, or ERROR for a row that was not sent. */
  result: string;
  code: string;
  message: string;
}

/** A data row of the import file, in file order. */
export type ImportRow =
  | { kind: "send"; line: number; packageId: string; input: ShipmentInput }
  | { kind: "answered"; line: number; packageId: string; result: RowResult };

/** The file cannot be imported at all (no header, wrong columns). */
export class ImportFileError extends Error {
  override name = "ImportFileError";
}

/** Any field longer than this is refused here: the gateway allows 64, and one huge field would make
 * the whole chunk's request too large to be accepted. */
const MAX_FIELD_LENGTH = 1_000;
/** The gateway's own id rule; duplicates are only looked for among ids it would accept. */
const OMS_ID = /^[1-9][0-9]{0,15}$/;

/**
 * Checks the header and classifies every data record.
 * @throws ImportFileError when the header is missing or does not name the required columns.
 */
export function toImportRows(records: readonly CsvRecord[]): ImportRow[] {
  const [header, ...data] = records;
  const index = columnIndex(header);
  const firstLineOf = new Map<string, number>();
  return data.map((record) => {
    const field = (i: number | undefined) => (i === undefined ? "" : (record.fields[i] ?? ""));
    const packageId = field(index.package_id).trim();
    const refuse = (code: string, message: string): ImportRow => ({
      kind: "answered",
      line: record.line,
      packageId,
      result: { line: record.line, packageId, result: "ERROR", code, message },
    });
    if (record.error !== undefined) {
      return refuse(
        "MALFORMED_ROW",
        `Line ${record.line} is not valid CSV: ${record.error}; it was not sent.`,
      );
    }
    if (record.fields.length !== index.width) {
      return refuse(
        "MALFORMED_ROW",
        `Line ${record.line} has ${record.fields.length} fields where the header has ${index.width}; it was not sent.`,
      );
    }
    if (record.fields.some((f) => f.length > MAX_FIELD_LENGTH)) {
      return refuse(
        "FIELD_TOO_LONG",
        `Line ${record.line} has a field longer than ${MAX_FIELD_LENGTH} characters; it was not sent.`,
      );
    }
    if (OMS_ID.test(packageId)) {
      // The gateway only catches a package repeated within one call; across chunks it would be
      // commanded twice, so the later row is held back here, as the gateway does within a call.
      const first = firstLineOf.get(packageId);
      if (first !== undefined) {
        return refuse(
          "DUPLICATE_PACKAGE",
          `Package ${packageId} already appears on line ${first}; this row was not sent.`,
        );
      }
      firstLineOf.set(packageId, record.line);
    }
    const input: ShipmentInput = {
      packageId,
      cargoCompanyId: field(index.cargo_company_id).trim(),
      trackingNumber: field(index.tracking_number),
    };
    const query = field(index.query_number);
    if (query.trim() !== "") input.queryNumber = query;
    return { kind: "send", line: record.line, packageId, input };
  });
}

type ColumnIndex = { width: number } & Partial<Record<(typeof COLUMNS)[number], number>>;

// Columns may come in any order and extra ones are ignored, since exports from warehouse systems
// often carry more than the import needs.
function columnIndex(header: CsvRecord | undefined): ColumnIndex {
  const expected = COLUMNS.join(",");
  if (header === undefined) throw new ImportFileError(`The file is empty; expected the header ${expected}.`);
  if (header.error !== undefined) {
    throw new ImportFileError(`The header on line ${header.line} is not valid CSV: ${header.error}.`);
  }
  const index: ColumnIndex = { width: header.fields.length };
  for (const [i, raw] of header.fields.entries()) {
    const name = raw.trim().toLowerCase() as (typeof COLUMNS)[number];
    if (!COLUMNS.includes(name)) continue;
    if (index[name] !== undefined) throw new ImportFileError(`The header names ${name} twice.`);
    index[name] = i;
  }
  const missing = COLUMNS.filter((c) => c !== "query_number" && index[c] === undefined);
  if (missing.length > 0) {
    throw new ImportFileError(
      `The header lacks ${missing.join(", ")}; expected ${expected}, got ${header.fields.join(",").slice(0, 200)}.`,
    );
  }
  return index;
}
