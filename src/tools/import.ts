/**
 * `npm run import -- tracking.csv [--out result.csv]`: updates the shipments listed in a CSV file
 * through the gateway's bulk mutation and writes one result per row. Settings come from the
 * environment through loadImportConfig; see USAGE.
 *
 * Exit codes: 0 every row has a result (refusals included), 1 the import could not finish,
 * 2 bad usage, configuration or input file, 130 interrupted.
 */
import { ConfigError, loadImportConfig } from "../config.js";
import { JournalError } from "./import/journal.js";
import { ImportFileError } from "./import/rows.js";
import { type ImportOutcome, journalPathFor, runImport, UsageError } from "./import/run.js";

const USAGE = `Usage: npm run import -- <tracking.csv> [--out <result.csv>]

Reads package_id,cargo_company_id,tracking_number,query_number rows and updates each package's
shipment through the gateway, in chunks. Writes line,package_id,result,code,message for every row to
<result.csv> (default <tracking.csv>.result.csv). Progress is journaled to <result.csv>.journal:
after an interruption, run the same command again to resume without sending anything twice.

Environment:
  IMPORT_GATEWAY_URL  the gateway's /graphql URL (default http://127.0.0.1:4000/graphql)
  IMPORT_API_KEY      sent as "Authorization: Bearer <key>"
  IMPORT_CHUNK_SIZE   rows per call (default 100)
  IMPORT_TIMEOUT_MS   deadline of one call (default 120000)
`;

const EXIT = { done: 0, failed: 1, usage: 2, interrupted: 130 } as const;
/**
 * Under `npm run import`, one Ctrl+C reaches this process more than once: from the terminal, and
 * again relayed by npm and by tsx a few milliseconds later. Only a later one is a second keypress.
 */
const SAME_KEYPRESS_MS = 1_000;

// The parsed command line.
type Args =
  | { kind: "run"; input: string; out: string }
  | { kind: "help" }
  | { kind: "error"; message: string };

// Parses the arguments after the script name.
function parseArgs(argv: readonly string[]): Args {
  let input: string | undefined;
  let out: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (arg === "--out" || arg === "-o") {
      const value = argv[++i];
      if (value === undefined || value === "") return { kind: "error", message: `${arg} needs a file name.` };
      out = value;
    } else if (arg.startsWith("--out=")) {
      out = arg.slice("--out=".length);
      if (out === "") return { kind: "error", message: "--out needs a file name." };
    } else if (arg.startsWith("-") && arg !== "-") {
      return { kind: "error", message: `Unknown option ${arg}.` };
    } else if (input === undefined) {
      input = arg;
    } else {
      return { kind: "error", message: `One input file at a time; got ${input} and ${arg}.` };
    }
  }
  if (input === undefined) return { kind: "error", message: "Which CSV file? Give its path." };
  return { kind: "run", input, out: out ?? `${input}.result.csv` };
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.kind === "help") {
    process.stdout.write(USAGE);
    return EXIT.done;
  }
  if (args.kind === "error") {
    process.stderr.write(`${args.message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  let config: ReturnType<typeof loadImportConfig>;
  try {
    config = loadImportConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return EXIT.usage;
  }

  // The first Ctrl+C lets the chunk in flight finish and be journaled; a second one leaves at once,
  // which is safe too: the unjournaled chunk is replayed by the gateway under its key on resume.
  const interrupt = new AbortController();
  let interruptedAt = 0;
  process.on("SIGINT", () => {
    const now = performance.now();
    if (!interrupt.signal.aborted) {
      interruptedAt = now;
      process.stderr.write("\nStopping after the chunk in flight (Ctrl+C again to stop at once).\n");
      interrupt.abort();
    } else if (now - interruptedAt > SAME_KEYPRESS_MS) {
      process.exit(EXIT.interrupted);
    }
  });

  let outcome: ImportOutcome;
  try {
    outcome = await runImport({
      inputPath: args.input,
      outPath: args.out,
      config,
      stdout: process.stdout,
      stderr: process.stderr,
      interrupt: interrupt.signal,
    });
  } catch (error) {
    if (error instanceof UsageError || error instanceof ImportFileError || error instanceof JournalError) {
      process.stderr.write(`${error.message}\n`);
      return EXIT.usage;
    }
    process.stderr.write(
      `The import stopped: ${(error as Error).message}\n` +
        `Finished chunks are kept in ${journalPathFor(args.out)}; run the same command again to resume.\n`,
    );
    return EXIT.failed;
  }
  if (outcome.kind === "failed") process.stderr.write(`${outcome.message}\n`);
  return EXIT[outcome.kind];
}

process.exitCode = await main();
