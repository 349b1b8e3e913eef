/**
 * The CSV import (`npm run import`) run as a child process against a real gateway and OMS simulator
 * on loopback: one result per row, the file of rows to fix, dialects and carrier names, rows and
 * files refused, and the exit codes; with what was commanded at the simulator.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { cliEnv, expectResults, readResults, runCli, useImportRun } from "./helpers/import-cli.js";
import { buildImport, commandedIds, commandsPerPackage, HEADER } from "./helpers/import-data.js";

describe("npm run import", () => {
  const { dir, harness, writeInput } = useImportRun();

  it("imports 1,000 rows: one result per row in input order with outcome_known, one command per valid distinct row, a file of the rows to fix", async () => {
    const h = await harness();
    const { csv, expected } = buildImport();
    const input = await writeInput("tracking.csv", csv);

    const run = await runCli([input], cliEnv(h));

    // Rows to fix: exit 1.
    expect(run.code, run.stderr).toBe(1);
    const rows = await readResults(`${input}.result.csv`);
    expect(rows).toHaveLength(1000);
    expectResults(rows, expected);
    expect(rows.every((r) => r.outcomeKnown)).toBe(true);
    const duplicate = rows.find((r) => r.line === expected[450]?.line);
    expect(duplicate?.message).toMatch(/already appears on line \d+; this row was not sent/);
    // Messages name the file's columns, not the GraphQL input's fields.
    expect(rows.find((r) => r.line === expected[20]?.line)?.message).toContain(
      "tracking_number must be 1 to 64",
    );
    expect(rows.map((r) => r.message).join(" ")).not.toMatch(/trackingNumber|packageId|cargoCompanyId/);

    const commands = commandsPerPackage(h);
    expect([...commands.keys()].sort()).toStrictEqual(commandedIds(expected).sort());
    expect([...commands.values()].every((n) => n === 1)).toBe(true);
    expect(h.sim.getPackage(2060)?.shipment).toMatchObject({
      awb_number: 'TRK,60 "quoted"',
      query_number: "Q-60",
    });
    expect(h.sim.getPackage(2061)?.shipment).toMatchObject({ awb_number: "TRK-61", query_number: null });
    expect(h.sim.getPackage(2999)?.shipment).toMatchObject({ awb_number: "TRK-999", cargo_company: 8 });

    for (const result of [
      "ShipmentUpdated",
      "ValidationError",
      "CommandRejected",
      "CommandFailed",
      "ERROR",
    ]) {
      const count = expected.filter((e) => e.result === result).length;
      expect(run.stdout).toMatch(new RegExp(`^  ${result}\\s+${count}$`, "m"));
    }
    expect(run.stdout).toContain("Sent 998 rows in 10 calls (0 replayed by the gateway)");
    const toFix = expected.filter((e) => e.result !== "ShipmentUpdated");
    expect(run.stdout).toContain(`${toFix.length} rows need fixing (`);
    expect(run.stdout).not.toMatch(/not applied|may or may not/);
    // The rows to fix, with the input's columns and the reason, in the input's dialect (BOM kept).
    const fixText = await readFile(`${input}.to-fix.csv`, "utf8");
    expect(fixText.startsWith(`\uFEFF${HEADER},reason,code\r\n`)).toBe(true);
    const fix = parseCsv(fixText, { bom: true }) as string[][];
    expect(fix.slice(1).map((r) => [r[0], r[5]])).toStrictEqual(toFix.map((e) => [e.packageId, e.code]));
    // Not a terminal: plain progress lines, no carriage returns or escape sequences.
    expect(run.stderr).toMatch(/^progress: 1000\/1000 rows, \d+ rows\/s, eta 0s$/m);
    expect(run.stderr).not.toContain("\r");
  }, 60_000);

  it("imports a semicolon-separated file with carrier names and ERP codes; an ambiguous or unknown carrier is a row to fix naming the candidates", async () => {
    const h = await harness();
    const input = await writeInput(
      "excel.csv",
      "\uFEFFpackage_id;cargo_company;tracking_number;query_number\r\n" +
        "2300;Aras Kargo;AR-1,5;\r\n" +
        "2301;yurtici-kargo;YK-1;Q;1\r\n".replace("Q;1", '"Q;1"') +
        "2302;sürat;SR-1;\r\n" +
        "2303;Kargo;XX-1;\r\n" +
        "2304;Fedex;XX-2;\r\n" +
        "2305;7;DH-1;\r\n",
    );

    const run = await runCli([input], cliEnv(h));

    expect(run.code, run.stderr).toBe(1);
    expect(h.sim.getPackage(2300)?.shipment).toMatchObject({ awb_number: "AR-1,5", cargo_company: 2 });
    expect(h.sim.getPackage(2301)?.shipment).toMatchObject({
      awb_number: "YK-1",
      query_number: "Q;1",
      cargo_company: 1,
    });
    expect(h.sim.getPackage(2302)?.shipment).toMatchObject({ cargo_company: 5 });
    expect(h.sim.getPackage(2305)?.shipment).toMatchObject({ cargo_company: 7 });
    expect(Object.fromEntries(commandsPerPackage(h))).toStrictEqual({
      "2300": 1,
      "2301": 1,
      "2302": 1,
      "2305": 1,
    });
    const rows = await readResults(`${input}.result.csv`);
    expect(rows.map((r) => [r.packageId, r.result, r.code])).toStrictEqual([
      ["2300", "ShipmentUpdated", ""],
      ["2301", "ShipmentUpdated", ""],
      ["2302", "ShipmentUpdated", ""],
      ["2303", "ERROR", "AMBIGUOUS_CARGO_COMPANY"],
      ["2304", "ERROR", "UNKNOWN_CARGO_COMPANY"],
      ["2305", "ShipmentUpdated", ""],
    ]);
    expect(rows[3]?.message).toMatch(
      /^cargo_company "Kargo" matches 5 cargo companies: Aras Kargo \(id 2, aras-kargo\), /,
    );
    expect(rows[4]?.message).toContain('cargo_company "Fedex" matches no cargo company; the OMS knows ');
    expect(rows[4]?.message).toContain("HepsiJET (id 8, hepsijet)");
    // The rows to fix come back with semicolons, ready for the same spreadsheet.
    const fix = await readFile(`${input}.to-fix.csv`, "utf8");
    expect(fix.split("\r\n").slice(0, 2)).toStrictEqual([
      "\uFEFFpackage_id;cargo_company;tracking_number;query_number;reason;code",
      expect.stringMatching(
        /^2303;Kargo;XX-1;;"cargo_company ""Kargo"" matches 5 .*";AMBIGUOUS_CARGO_COMPANY$/,
      ),
    ]);
  }, 60_000);

  it("stops with exit 1 and a clear message when the gateway refuses a chunk for good", async () => {
    const h = await harness();
    const { csv } = buildImport();
    const input = await writeInput("tracking.csv", csv);

    const run = await runCli([input], cliEnv(h, { IMPORT_CHUNK_SIZE: "600" }));

    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      "updatePackageShipments takes at most 500 inputs per call, got 600. (BAD_USER_INPUT)",
    );
    expect(run.stderr).toContain("lower IMPORT_CHUNK_SIZE");
    expect(h.commands()).toHaveLength(0);
  }, 60_000);

  it("reports rows of the wrong width or with a huge field with their own error and does not send them; refuses a file that breaks CSV quoting, naming the line", async () => {
    const h = await harness();
    const input = await writeInput(
      "broken.csv",
      [
        HEADER,
        "2000,1,AB1,", // line 2
        "2001,1", // line 3: too few fields
        "", // line 4: blank, not a row
        '2004,2,"multi', // line 5: a quoted field
        'line",Q', // line 6: ...spanning two lines
        "2005,1,AB5,,extra", // line 7: too many fields
        `2006,1,${"Z".repeat(1001)},`, // line 8: far too long to send
        "2008,3,AB8,Q8", // line 9
      ].join("\r\n"),
    );

    const run = await runCli([input, "--out", join(dir(), "out.csv")], cliEnv(h));

    expect(run.code, run.stderr).toBe(1);
    const rows = await readResults(join(dir(), "out.csv"));
    expect(rows.map(({ line, packageId, result, code }) => [line, packageId, result, code])).toStrictEqual([
      [2, "2000", "ShipmentUpdated", ""],
      [3, "2001", "ERROR", "MALFORMED_ROW"],
      [5, "2004", "ValidationError", "INVALID_CHARACTERS"],
      [7, "2005", "ERROR", "MALFORMED_ROW"],
      [8, "2006", "ERROR", "FIELD_TOO_LONG"],
      [9, "2008", "ShipmentUpdated", ""],
    ]);
    expect([...commandsPerPackage(h).keys()]).toStrictEqual(["2000", "2008"]);

    const stray = await writeInput("stray.csv", `${HEADER}\n2000,1,AB1,\n2002,1,"AB"3,\n2003,1,AB3,\n`);
    const refused = await runCli([stray], cliEnv(h));
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(
      /is not valid CSV: Invalid Closing Quote: got "3" at line 3\. Nothing was sent/,
    );
    expect([...commandsPerPackage(h).keys()]).toStrictEqual(["2000", "2008"]);
  }, 60_000);

  it("exits 2 on bad usage, configuration or input file, without sending anything", async () => {
    const h = await harness();
    const good = await writeInput("good.csv", `${HEADER}\n2000,1,AB1,\n`);
    const noHeader = await writeInput("no-header.csv", "2000,1,AB1,\n");
    const empty = await writeInput("empty.csv", "");
    // "ÇA" saved as Windows-1254 / Latin-1, as an older spreadsheet would.
    const latin = await writeInput("latin.csv", Buffer.from(`${HEADER}\n2000,1,\u00c7A,\n`, "latin1"));
    const env = cliEnv(h);

    const runs = await Promise.all([
      runCli([], env),
      runCli([good, "--bogus"], env),
      runCli([good, "other.csv"], env),
      runCli([good, "--out"], env),
      runCli([join(dir(), "missing.csv")], env),
      runCli([good], cliEnv(h, { IMPORT_CHUNK_SIZE: "0" })),
      runCli([good], cliEnv(h, { IMPORT_GATEWAY_URL: "ftp://example.com" })),
      runCli([noHeader], env),
      runCli([empty], env),
      runCli([latin], env),
      runCli([good, "--out", good], env),
      runCli([good, "--delimiter", "pipe"], env),
    ]);

    expect(runs.map((r) => r.code)).toStrictEqual(Array(runs.length).fill(2));
    const [none, bogus, two, outless, missing, size, url, header, blank, encoding, same, delimiter] =
      runs.map((r) => r.stderr);
    expect(none).toContain("Usage: oms-graph-import <tracking.csv> [--out <result.csv>]");
    expect(bogus).toContain("Unknown option --bogus.");
    expect(two).toContain("One input file at a time");
    expect(outless).toContain("--out needs a file name.");
    expect(missing).toMatch(/Cannot read .*missing\.csv: ENOENT/);
    expect(size).toContain('IMPORT_CHUNK_SIZE must be an integer from 1 to 10000, got "0".');
    expect(url).toContain("IMPORT_GATEWAY_URL must be the gateway's http(s) /graphql URL");
    expect(header).toContain("The header lacks package_id, cargo_company, tracking_number");
    expect(blank).toContain("The file is empty");
    expect(encoding).toContain('is not UTF-8 text; save it as "CSV UTF-8"');
    expect(same).toContain("The result file must not be the input file.");
    expect(delimiter).toContain('--delimiter must be one of "," , ";", tab'.replace(" ,", ","));
    expect(h.commands()).toHaveLength(0);

    const help = await runCli(["--help"], env);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("IMPORT_RETRY_ATTEMPTS");
  }, 60_000);
});
