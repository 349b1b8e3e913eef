/**
 * The import's parts alone: the CSV reader and writer, the header and rows, the progress line.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { interpret } from "../src/import/chunk-answer.js";
import { heldCodeIn } from "../src/import/client.js";
import { formatCsv, formatCsvRow, readCsv, readDialect } from "../src/import/csv.js";
import { ProgressReporter } from "../src/import/progress.js";
import { ImportFileError, RowReader, readHeader } from "../src/import/rows.js";

describe("CSV reader", () => {
  async function read(text: string | Buffer, delimiter: "," | ";" | "\t" | null = null) {
    const dir = await mkdtemp(join(tmpdir(), "oms-csv-"));
    try {
      const path = join(dir, "f.csv");
      await writeFile(path, text);
      const dialect = await readDialect(path, delimiter);
      const records: Array<{ line: number; fields: string[] }> = [];
      await readCsv(path, dialect, (r) => records.push(r));
      return { dialect, records };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it("reads quoted fields with delimiters, doubled quotes and line breaks, and records the line each record starts on", async () => {
    const { records } = await read('package_id,b,c\n"1,2","say ""hi""","two\nlines"\n\nx,,z\n');
    expect(records).toStrictEqual([
      { line: 1, fields: ["package_id", "b", "c"] },
      { line: 2, fields: ["1,2", 'say "hi"', "two\nlines"] },
      { line: 5, fields: ["x", "", "z"] },
    ]);
  });

  it("detects ; and tab from the header, and handles a byte order mark, CRLF and CR line ends", async () => {
    const semi = await read('\uFEFFpackage_id;tracking_number\r\n1;A,B\r\n\r\n2;"C;D"\r\n');
    expect(semi.dialect).toStrictEqual({ delimiter: ";", bom: true });
    expect(semi.records).toStrictEqual([
      { line: 1, fields: ["package_id", "tracking_number"] },
      { line: 2, fields: ["1", "A,B"] },
      { line: 4, fields: ["2", "C;D"] },
    ]);
    const tab = await read("package_id\ttracking_number\r1\tA B\r2\tC");
    expect(tab.dialect).toStrictEqual({ delimiter: "\t", bom: false });
    expect(tab.records.map((r) => [r.line, r.fields])).toStrictEqual([
      [1, ["package_id", "tracking_number"]],
      [2, ["1", "A B"]],
      [3, ["2", "C"]],
    ]);
    // Given explicitly, the delimiter wins over detection.
    expect((await read("package_id,x;y\n1,2;3\n", ";")).records[1]?.fields).toStrictEqual(["1,2", "3"]);
  });
});

describe("CSV writer", () => {
  it("quotes only the fields that need it and ends every record with CRLF", () => {
    expect(formatCsvRow(["1", "a,b", 'say "hi"', "two\nlines", "", " padded"])).toBe(
      '1,"a,b","say ""hi""","two\nlines",," padded"\r\n',
    );
    expect(formatCsvRow(["a;b", "c,d"], ";")).toBe('"a;b";c,d\r\n');
    expect(formatCsv([["a"], ["b", "c"]])).toBe("a\r\nb,c\r\n");
  });
});

describe("import rows", () => {
  it("takes the columns in any order, ignores extra ones, reads cargo_company_id as cargo_company, and keys a row by its content", () => {
    const header = readHeader({
      line: 1,
      fields: ["tracking_number", "Package_ID ", "note", "cargo_company_id"],
    });
    expect(header.columns.cargoCompany).toBe("cargo_company_id");
    const reader = new RowReader(header);
    const a = reader.read({ line: 2, fields: ["AB1", " 2000 ", "x", "3"] });
    expect(a.values).toStrictEqual({ packageId: "2000", cargoCompany: "3", trackingNumber: "AB1" });
    const b = new RowReader(header).read({ line: 9, fields: ["AB1", "2000", "other note", "3"] });
    expect(b.key).toBe(a.key);
    const c = new RowReader(header).read({ line: 2, fields: ["AB2", "2000", "x", "3"] });
    expect(c.key).not.toBe(a.key);
  });

  it("refuses a file without the required columns", () => {
    expect(() => readHeader({ line: 1, fields: ["package_id", "tracking_number"] })).toThrow(ImportFileError);
    expect(() =>
      readHeader({ line: 1, fields: ["package_id", "cargo_company", "cargo_company_id", "tracking_number"] }),
    ).toThrow("The header names cargo_company twice.");
  });
});

describe("progress", () => {
  it("draws a bar in place on a terminal and plain lines at most every interval otherwise", () => {
    let clock = 0;
    let tty = "";
    const bar = new ProgressReporter({ isTTY: true, write: (t: string) => (tty += t) }, 1000, {
      now: () => clock,
    });
    bar.begin(0);
    clock = 2_000;
    bar.advance(500);
    expect(tty).toBe(
      "\r[--------------------] 0/1000 rows, 0 rows/s, eta --\x1b[K" +
        "\r[##########----------] 500/1000 rows, 250 rows/s, eta 2s\x1b[K",
    );
    bar.end();
    expect(tty.endsWith("\n")).toBe(true);

    let plain = "";
    const lines = new ProgressReporter({ write: (t: string) => (plain += t) }, 1000, {
      now: () => clock,
      intervalMs: 2_000,
    });
    lines.begin(100);
    clock += 1_000;
    lines.advance(100); // within the interval: not shown
    clock += 1_000;
    lines.advance(100);
    clock += 100;
    lines.advance(700); // the last one is always shown
    expect(plain).toBe(
      "progress: 100/1000 rows, 0 rows/s, eta --\n" +
        "progress: 300/1000 rows, 100 rows/s, eta 7s\n" +
        "progress: 1000/1000 rows, 429 rows/s, eta 0s\n",
    );
  });
});

describe("answers relayed by a federation router (the gateway's 409 and 422 arrive as 200, codes kept)", () => {
  const relayed = (code: string) => ({
    status: 200,
    headers: {},
    text: JSON.stringify({ data: null, errors: [{ message: "refused", extensions: { code } }] }),
  });

  it("takes a key still running elsewhere as a chunk that may be running, not as a refusal for good", () => {
    expect(interpret(relayed("IDEMPOTENCY_KEY_IN_PROGRESS"), 3)).toMatchObject({ kind: "lost" });
    expect(interpret({ ...relayed("IDEMPOTENCY_KEY_IN_PROGRESS"), status: 409 }, 3)).toMatchObject({
      kind: "lost",
    });
  });

  it("reads a held key from the code, whatever the status, and nothing else as held", () => {
    expect(heldCodeIn(relayed("IDEMPOTENCY_KEY_REUSED").text)).toBe(true);
    expect(heldCodeIn(relayed("IDEMPOTENCY_KEY_IN_PROGRESS").text)).toBe(true);
    expect(heldCodeIn(relayed("BAD_USER_INPUT").text)).toBe(false);
    expect(heldCodeIn(JSON.stringify({ data: { updatePackageShipments: [] } }))).toBe(false);
    expect(heldCodeIn("<html>bad gateway</html>")).toBe(false);
  });
});
