/**
 * Turns the records of an import file into rows: the ones to send, and the ones answered here
 * because sending them could only do harm (a row of the wrong width, a package already in the file).
 * Each row has a key made of its package id and content: the journal records outcomes against it,
 * so a row edited since the last run is new work and an unchanged one is not.
 */
import { createHash } from "node:crypto";
import type { CsvRecord } from "./csv.js";

/** The column names a message about a row uses, as spelled in the file's header. */
export interface Columns {
  packageId: string;
  cargoCompany: string;
  trackingNumber: string;
  queryNumber: string;
}

/** The file's header. */
export interface Header {
  /** The header cells as written, for the file of rows to fix. */
  cells: string[];
  columns: Columns;
  index: { packageId: number; cargoCompany: number; trackingNumber: number; queryNumber?: number };
}

/** A row's values as read, before the cargo company is looked up. */
export interface RowValues {
  packageId: string;
  cargoCompany: string;
  trackingNumber: string;
  queryNumber?: string;
}

/** One data row of the file. */
export interface ImportRow {
  line: number;
  packageId: string;
  /** The row's cells as written, for the file of rows to fix. */
  cells: string[];
  /** The package id and content, hashed: the journal's key for this row. */
  key: string;
  /** Null when the row is refused here. */
  values: RowValues | null;
  refusal?: { code: string; message: string };
}

/** The file cannot be imported at all (no header, wrong columns). */
export class ImportFileError extends Error {
  override name = "ImportFileError";
}

const CARGO_NAMES = ["cargo_company", "cargo_company_id"];
const KNOWN = ["package_id", ...CARGO_NAMES, "tracking_number", "query_number"];
/** Any field longer than this is refused here: the gateway allows 64, and one huge field would make
 * the whole chunk's request too large to be accepted. */
const MAX_FIELD_LENGTH = 1_000;
/** The gateway's own id rule; duplicates are only looked for among ids it would accept. */
const OMS_ID = /^[1-9][0-9]{0,15}$/;
const EXPECTED = "package_id, cargo_company, tracking_number and optionally query_number";

/**
 * Reads the header: columns in any order, extra ones ignored (warehouse exports carry more than the
 * import needs), `cargo_company_id` accepted for `cargo_company`.
 * @throws ImportFileError when a required column is missing or named twice
 */
export function readHeader(record: CsvRecord | undefined): Header {
  if (record === undefined) throw new ImportFileError(`The file is empty; expected the header ${EXPECTED}.`);
  const found = new Map<string, { i: number; cell: string }>();
  for (const [i, cell] of record.fields.entries()) {
    const name = cell.trim().toLowerCase();
    if (!KNOWN.includes(name)) continue;
    const slot = CARGO_NAMES.includes(name) ? "cargo_company" : name;
    if (found.has(slot)) throw new ImportFileError(`The header names ${slot} twice.`);
    found.set(slot, { i, cell: cell.trim() });
  }
  const missing = ["package_id", "cargo_company", "tracking_number"].filter((c) => !found.has(c));
  if (missing.length > 0) {
    throw new ImportFileError(
      `The header lacks ${missing.join(", ")}; expected ${EXPECTED}, got ${record.fields.join(" | ").slice(0, 200)}. ` +
        "If the columns are separated by something else than , ; or tab, save the file as CSV; " +
        "to force the delimiter, use --delimiter.",
    );
  }
  const at = (name: string) => found.get(name) as { i: number; cell: string };
  const query = found.get("query_number");
  return {
    cells: record.fields,
    columns: {
      packageId: at("package_id").cell,
      cargoCompany: at("cargo_company").cell,
      trackingNumber: at("tracking_number").cell,
      queryNumber: query?.cell ?? "query_number",
    },
    index: {
      packageId: at("package_id").i,
      cargoCompany: at("cargo_company").i,
      trackingNumber: at("tracking_number").i,
      ...(query ? { queryNumber: query.i } : {}),
    },
  };
}

/** Classifies data records one at a time, remembering package ids to catch repeats. */
export class RowReader {
  private readonly firstLineOf = new Map<string, number>();

  constructor(private readonly header: Header) {}

  read(record: CsvRecord): ImportRow {
    const { index } = this.header;
    const cell = (i: number | undefined) => (i === undefined ? "" : (record.fields[i] ?? ""));
    const packageId = cell(index.packageId).trim();
    const values: RowValues = {
      packageId,
      cargoCompany: cell(index.cargoCompany).trim(),
      trackingNumber: cell(index.trackingNumber),
    };
    const query = cell(index.queryNumber);
    if (query.trim() !== "") values.queryNumber = query;
    const row: ImportRow = {
      line: record.line,
      packageId,
      cells: record.fields,
      key: rowKey(values),
      values,
    };
    const refuse = (code: string, message: string): ImportRow => ({
      ...row,
      values: null,
      refusal: { code, message },
    });
    const width = this.header.cells.length;
    if (record.fields.length !== width) {
      return refuse(
        "MALFORMED_ROW",
        `Line ${record.line} has ${record.fields.length} fields where the header has ${width}; it was not sent.`,
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
      // commanded twice, so the later row is held back here.
      const first = this.firstLineOf.get(packageId);
      if (first !== undefined) {
        return refuse(
          "DUPLICATE_PACKAGE",
          `Package ${packageId} already appears on line ${first}; this row was not sent.`,
        );
      }
      this.firstLineOf.set(packageId, record.line);
    }
    return row;
  }
}

/** The journal key of a row: its package id and the values it asks for. */
export function rowKey(values: RowValues): string {
  const content = JSON.stringify([
    values.packageId,
    values.cargoCompany,
    values.trackingNumber,
    values.queryNumber ?? "",
  ]);
  return createHash("sha256").update(content).digest("base64url").slice(0, 32);
}
