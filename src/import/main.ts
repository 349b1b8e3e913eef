#!/usr/bin/env node
import { readArgs } from "./args.js";
/**
 * `oms-graph-import tracking.csv` (or `npm run import -- tracking.csv`): sets the shipments listed in
 * a CSV file through the gateway's bulk mutation, and writes one result per row and a file of the
 * rows a person must fix. Settings come from the environment through loadImportConfig; see USAGE.
 *
 * Exit codes: 0 every row done and none to fix; 1 rows to fix or not sent yet (run again), or the
 * gateway refused the import; 2 bad usage, configuration or input file; 130 and 143 stopped by
 * SIGINT and SIGTERM (the journal is kept: run again to resume).
 */
import { ImportConfigError, loadImportConfig } from "./config.js";
import { CsvFileError } from "./csv.js";
import { JournalError } from "./journal.js";
import { ImportFileError } from "./rows.js";
import { type ImportOutcome, journalPathFor, runImport, UsageError } from "./run.js";

const USAGE = `Usage: oms-graph-import <tracking.csv> [--out <result.csv>] [--delimiter comma|semicolon|tab]
       npm run import -- <tracking.csv> [options]

Reads package_id, cargo_company (an id, a name or an ERP code; cargo_company_id is read too),
tracking_number and query_number columns, in any order, separated by , ; or tab (detected), and
updates each package's shipment through the gateway. Writes:
  <result.csv>              one line per row: line,package_id,result,code,message,outcome_known
                            (default <tracking.csv>.result.csv)
  <tracking.csv>.to-fix.csv the rows a person must fix, with reason and code: edit, import again
  <result.csv>.journal      each row's outcome: running the same command again sends only the rows
                            not done and the rows changed since

Environment:
  IMPORT_GATEWAY_URL     the gateway's /graphql URL (default http://127.0.0.1:4000/graphql)
  IMPORT_API_KEY         sent as "Authorization: Bearer <key>"
  IMPORT_CHUNK_SIZE      rows per call (default 100)
  IMPORT_TIMEOUT_MS      deadline of one call (default 120000)
  IMPORT_RETRY_ATTEMPTS  rounds over rows not applied yet, within one run (default 5)
  IMPORT_RETRY_DELAY_MS  wait before the second round, doubled after each (default 1000)

Exit: 0 all done; 1 rows to fix or not sent yet (run again); 2 usage, file or configuration error;
130/143 stopped by SIGINT/SIGTERM after the chunk in flight (run again to resume).
`;

const EXIT = { clean: 0, rowsLeft: 1, usage: 2 } as const;
const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };
/**
 * Under `npm run import`, one Ctrl+C reaches this process more than once: from the terminal, and
 * again relayed by npm a few milliseconds later. Only a later one is a second keypress.
 */
const SAME_KEYPRESS_MS = 1_000;

async function main(): Promise<number> {
  const args = readArgs(process.argv.slice(2));
  if (args.kind === "help") {
    process.stdout.write(USAGE);
    return EXIT.clean;
  }
  if (args.kind === "error") {
    process.stderr.write(`${args.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  let config: ReturnType<typeof loadImportConfig>;
  try {
    config = loadImportConfig(process.env);
  } catch (error) {
    if (!(error instanceof ImportConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }

  // The first signal lets the chunk in flight finish and be journaled; a second one leaves at once,
  // which is safe too: the next run asks the gateway about that chunk, or reads its packages.
  const interrupt = new AbortController();
  let stoppedBy: string | null = null;
  let stoppedAt = 0;
  const stop = (signal: NodeJS.Signals) => {
    const now = performance.now();
    if (stoppedBy === null) {
      stoppedBy = signal;
      stoppedAt = now;
      process.stderr.write(
        `\n${signal}: stopping after the chunk in flight (send it again to stop at once).\n`,
      );
      interrupt.abort();
    } else if (now - stoppedAt > SAME_KEYPRESS_MS) {
      process.exit(SIGNAL_EXIT[signal] ?? 1);
    }
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);

  let outcome: ImportOutcome;
  try {
    outcome = await runImport({
      inputPath: args.input,
      outPath: args.out,
      delimiter: args.delimiter,
      config,
      stdout: process.stdout,
      stderr: process.stderr,
      interrupt: interrupt.signal,
    });
  } catch (error) {
    if (
      error instanceof UsageError ||
      error instanceof ImportFileError ||
      error instanceof JournalError ||
      error instanceof CsvFileError
    ) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(
      `The import stopped: ${(error as Error).message}\n` +
        `Outcomes so far are kept in ${journalPathFor(args.out)}; run the same command again to resume.\n`,
    );
    return EXIT.rowsLeft;
  }
  switch (outcome.kind) {
    case "finished":
      return outcome.clean ? EXIT.clean : EXIT.rowsLeft;
    case "interrupted":
      process.stderr.write(
        `Interrupted: outcomes so far are kept in ${journalPathFor(args.out)}; run the same command again to resume.\n`,
      );
      return SIGNAL_EXIT[stoppedBy ?? "SIGINT"] ?? EXIT.rowsLeft;
    case "failed":
      process.stderr.write(
        `${outcome.message}\nOutcomes so far are kept in ${journalPathFor(args.out)}; run the same command again to resume.\n`,
      );
      return EXIT.rowsLeft;
  }
}

process.exitCode = await main();
