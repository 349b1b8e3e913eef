/**
 * RFC 4180 CSV for `npm run import`. Files are read whole: a carrier's tracking file is a few
 * thousand rows at most. Reading never throws; a record that breaks the format is returned with its
 * problem so the import can report that one row and carry on with the rest.
 */

/** One record of a CSV file. */
export interface CsvRecord {
  /** The 1-based line of the file on which the record starts (a quoted field may span lines). */
  line: number;
  /** The fields read, unquoted; when `error` is set, whatever was read before the problem. */
  fields: string[];
  /** Why the record could not be read as CSV. */
  error?: string;
}

interface Scanned {
  fields: string[];
  error?: string;
  /** Where the next record starts. */
  next: number;
  /** Line breaks consumed, including those inside quoted fields. */
  lines: number;
  /** An empty or whitespace-only line, which spreadsheets leave behind and which is no row. */
  blank: boolean;
}

/**
 * Reads every record of `text`. Accepts CRLF, LF or CR line ends and a leading byte order mark;
 * skips blank lines.
 */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (pos < text.length) {
    const scanned = scanRecord(text, pos);
    if (!scanned.blank) {
      const record: CsvRecord = { line, fields: scanned.fields };
      if (scanned.error !== undefined) record.error = scanned.error;
      records.push(record);
    }
    line += scanned.lines;
    pos = scanned.next;
  }
  return records;
}

/** One record as CSV text with its CRLF line end; fields are quoted only when they must be. */
export function formatCsvRow(fields: readonly string[]): string {
  return `${fields.map(quote).join(",")}\r\n`;
}

/** Several records, each ended with CRLF as RFC 4180 asks. */
export function formatCsv(rows: readonly (readonly string[])[]): string {
  return rows.map(formatCsvRow).join("");
}

// Leading or trailing spaces are quoted too, because some spreadsheet imports trim unquoted fields.
function quote(field: string): string {
  return /[",\r\n]|^\s|\s$/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

function scanRecord(text: string, start: number): Scanned {
  const fields: string[] = [];
  let lines = 0;
  let quotedAny = false;
  let i = start;
  for (;;) {
    // At the start of a field.
    if (text[i] === '"') {
      quotedAny = true;
      const closed = scanQuoted(text, i + 1);
      if (closed === null) {
        // Everything up to the end of the file would be swallowed into one field. Reporting this
        // line alone and reading on from the next one keeps the rows after it.
        const after = lineEnd(text, start);
        return {
          fields,
          error: "a quoted field is never closed",
          next: after.next,
          lines: after.breaks,
          blank: false,
        };
      }
      fields.push(closed.value);
      lines += closed.lines;
      i = closed.next;
      const c = text[i];
      if (c === ",") {
        i++;
        continue;
      }
      if (c !== undefined && c !== "\r" && c !== "\n") {
        return fail(text, i, fields, lines, "unexpected text after a closing quote");
      }
    } else {
      let j = i;
      while (j < text.length && text[j] !== "," && text[j] !== "\r" && text[j] !== "\n") {
        if (text[j] === '"') return fail(text, j, fields, lines, "a quote inside an unquoted field");
        j++;
      }
      fields.push(text.slice(i, j));
      i = j;
      if (text[i] === ",") {
        i++;
        continue;
      }
    }
    // At a line end or the end of the file.
    const end = lineBreakAt(text, i);
    const blank = !quotedAny && fields.length === 1 && (fields[0] ?? "").trim() === "";
    return { fields, next: i + end, lines: lines + (end > 0 ? 1 : 0), blank };
  }
}

/** Reads a quoted field's content from just after its opening quote. */
function scanQuoted(text: string, from: number): { value: string; next: number; lines: number } | null {
  let value = "";
  let i = from;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q === -1) return null;
    value += text.slice(i, q);
    if (text[q + 1] === '"') {
      value += '"';
      i = q + 2;
    } else {
      return { value, next: q + 1, lines: countLineBreaks(value) };
    }
  }
}

// Private: ends a broken record at the end of its physical line, so the next line is read afresh.
function fail(text: string, at: number, fields: string[], lines: number, error: string): Scanned {
  const after = lineEnd(text, at);
  return { fields, error, next: after.next, lines: lines + after.breaks, blank: false };
}

function lineEnd(text: string, from: number): { next: number; breaks: number } {
  let i = from;
  while (i < text.length && text[i] !== "\r" && text[i] !== "\n") i++;
  const end = lineBreakAt(text, i);
  return { next: i + end, breaks: end > 0 ? 1 : 0 };
}

/** The length of the line break at `i`: 2 for CRLF, 1 for LF or CR, 0 for none. */
function lineBreakAt(text: string, i: number): number {
  if (text[i] === "\r") return text[i + 1] === "\n" ? 2 : 1;
  return text[i] === "\n" ? 1 : 0;
}

function countLineBreaks(value: string): number {
  return value.match(/\r\n|\r|\n/g)?.length ?? 0;
}
