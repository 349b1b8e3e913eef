#!/usr/bin/env node
/**
 * `oms-graph-import tracking.csv` (or `npm run import -- tracking.csv`): sets the shipments listed in
 * a CSV file through the gateway's bulk mutation, and writes one result per row and a file of the
 * rows a person must fix. Settings come from the environment through loadImportConfig; see USAGE.
 *
 * Exit codes (the contract's; scripts rely on them): 0 every row done and none to fix; 1 rows to fix
 * or not sent yet (run again), which includes a run stopped by SIGINT or SIGTERM after the chunk in
 * flight, or the gateway refused the import; 2 bad usage, configuration or input file. A second
 * signal leaves at once with the shell's 130 or 143.
 */
import { readArgs } from "./args.js";
import { type ImportConfig, ImportConfigError, loadImportConfig } from "./config.js";
import { CsvFileError } from "./csv.js";
import { JournalError } from "./journal.js";
import { ImportFileError } from "./rows.js";
import { type ImportOutcome, journalPathFor, runImport, UsageError } from "./run.js";
import { listenForStop, type StopRequest } from "./signals.js";
import { USAGE } from "./usage.js";

const EXIT = { clean: 0, rowsLeft: 1, usage: 2 } as const;

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
  let config: ImportConfig;
  try {
    config = loadImportConfig(process.env);
  } catch (error) {
    if (!(error instanceof ImportConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }
  const stop = listenForStop(process.stderr);
  const kept = `kept in ${journalPathFor(args.out)}; run the same command again to resume.`;
  try {
    const outcome = await runImport({
      inputPath: args.input,
      outPath: args.out,
      delimiter: args.delimiter,
      config,
      stdout: process.stdout,
      stderr: process.stderr,
      interrupt: stop.signal,
    });
    return exitFor(outcome, stop, kept);
  } catch (error) {
    return exitForError(error, kept);
  }
}

// Private: nothing was sent for these, and the message says what to correct.
const BEFORE_SENDING = [UsageError, ImportFileError, JournalError, CsvFileError];

function exitForError(error: unknown, kept: string): number {
  if (BEFORE_SENDING.some((kind) => error instanceof kind)) {
    process.stderr.write(`${(error as Error).message}\n`);
    return EXIT.usage;
  }
  process.stderr.write(`The import stopped: ${(error as Error).message}\nOutcomes so far are ${kept}\n`);
  return EXIT.rowsLeft;
}

function exitFor(outcome: ImportOutcome, stop: StopRequest, kept: string): number {
  switch (outcome.kind) {
    case "finished":
      return outcome.clean ? EXIT.clean : EXIT.rowsLeft;
    case "interrupted":
      // Rows are left unsent: the contract's "run again" exit, whatever stopped it.
      process.stderr.write(`Interrupted by ${stop.stoppedBy() ?? "a signal"}: outcomes so far are ${kept}\n`);
      return EXIT.rowsLeft;
    case "failed":
      process.stderr.write(`${outcome.message}\nOutcomes so far are ${kept}\n`);
      return EXIT.rowsLeft;
  }
}

process.exitCode = await main();
