/**
 * Reading an import file with csv-parse, streamed, and writing the result files. A file that breaks
 * the CSV format (a stray or unclosed quote) is refused whole: past such a point the parser cannot
 * tell where rows begin, and a misread row would set a wrong tracking number on a real package.
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { CsvError, parse } from "csv-parse";
import { type Delimiter, detectDelimiter, EncodingError, firstLine, Utf8Lines } from "./dialect.js";

/** One record of a CSV file. */
export interface CsvRecord {
  /** The 1-based line of the file on which the record starts (a quoted field may span lines). */
  line: number;
  fields: string[];
}

/** What the start of the file tells about the rest. */
export interface CsvDialect {
  delimiter: Delimiter;
  /** The file starts with a byte order mark; the files written for it do too. */
  bom: boolean;
}

/** The file cannot be read as CSV; nothing was sent. */
export class CsvFileError extends Error {
  override name = "CsvFileError";
}

/** Looks at the first line: the delimiter (unless given) and the byte order mark. */
export async function readDialect(path: string, given: Delimiter | null): Promise<CsvDialect> {
  const handle = await open(path, "r");
  try {
    const buffer = new Uint8Array(64 * 1024);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead);
    const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf;
    return { delimiter: given ?? detectDelimiter(firstLine(head)), bom };
  } finally {
    await handle.close();
  }
}

/**
 * Reads the file's records in order, blank lines skipped, streaming: memory does not grow with the
 * file beyond what `onRecord` keeps.
 * @throws CsvFileError when the file is not UTF-8 or not valid CSV
 */
export async function readCsv(
  path: string,
  dialect: CsvDialect,
  onRecord: (record: CsvRecord) => void,
): Promise<void> {
  const parser = parse({
    bom: true,
    delimiter: dialect.delimiter,
    record_delimiter: "\n",
    relax_column_count: true,
    skip_empty_lines: true,
    info: true,
  });
  parser.on("data", ({ record, info }: { record: string[]; info: { lines: number } }) => {
    // info.lines is the line the record ends on.
    const breaks = record.reduce((n, field) => n + countLineBreaks(field), 0);
    onRecord({ line: info.lines - breaks, fields: record });
  });
  try {
    await pipeline(createReadStream(path), new Utf8Lines(), parser);
  } catch (error) {
    if (error instanceof EncodingError) {
      throw new CsvFileError(`${path} is not UTF-8 text; save it as "CSV UTF-8" and try again.`);
    }
    if (error instanceof CsvError) {
      throw new CsvFileError(
        `${path} is not valid CSV: ${error.message.replace(/ instead of delimiter.*$/, "")}. Nothing was sent; ` +
          "fix that line (a quote inside a field must be doubled, and the field quoted) and run again.",
      );
    }
    throw error;
  }
}

function countLineBreaks(value: string): number {
  let n = 0;
  for (let i = value.indexOf("\n"); i !== -1; i = value.indexOf("\n", i + 1)) n++;
  return n;
}

/** One record with its CRLF line end; fields are quoted only when they must be. */
export function formatCsvRow(fields: readonly string[], delimiter: Delimiter = ","): string {
  return `${fields.map((f) => quote(f, delimiter)).join(delimiter)}\r\n`;
}

/** Several records, each ended with CRLF as RFC 4180 asks. */
export function formatCsv(rows: readonly (readonly string[])[], delimiter: Delimiter = ","): string {
  return rows.map((row) => formatCsvRow(row, delimiter)).join("");
}

// Leading or trailing spaces are quoted too, because some spreadsheet imports trim unquoted fields.
function quote(field: string, delimiter: Delimiter): string {
  const special = field.includes(delimiter) || /["\r\n]|^\s|\s$/.test(field);
  return special ? `"${field.replaceAll('"', '""')}"` : field;
}
