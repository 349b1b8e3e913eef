/**
 * The import's command line, read with node:util's parseArgs.
 */
import { parseArgs } from "node:util";
import { DELIMITERS, type Delimiter } from "./dialect.js";

export type Args =
  | { kind: "run"; input: string; out: string; delimiter: Delimiter | null }
  | { kind: "help" }
  | { kind: "error"; message: string };

const DELIMITER_NAMES: Record<string, Delimiter> = {
  ",": ",",
  comma: ",",
  ";": ";",
  semicolon: ";",
  "\t": "\t",
  "\\t": "\t",
  tab: "\t",
};

/** Reads the arguments after the script name; never throws. */
export function readArgs(argv: readonly string[]): Args {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    return { kind: "error", message: describe(error as Error) };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: "help" };
  const [input, ...extra] = positionals;
  if (extra.length > 0)
    return { kind: "error", message: `One input file at a time; got ${input} and ${extra[0]}.` };
  if (input === undefined || input === "")
    return { kind: "error", message: "Which CSV file? Give its path." };
  if (values.out === "") return { kind: "error", message: "--out needs a file name." };
  let delimiter: Delimiter | null = null;
  if (values.delimiter !== undefined) {
    const found = DELIMITER_NAMES[values.delimiter.toLowerCase()];
    if (found === undefined) {
      return {
        kind: "error",
        message: `--delimiter must be one of ${DELIMITERS.map(show).join(", ")} (or comma, semicolon, tab), got "${values.delimiter}".`,
      };
    }
    delimiter = found;
  }
  return { kind: "run", input, out: values.out ?? `${input}.result.csv`, delimiter };
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      out: { type: "string", short: "o" },
      delimiter: { type: "string", short: "d" },
      help: { type: "boolean", short: "h" },
    },
  });
}

// parseArgs' own messages name the error code and suggest "--" tricks meant for developers.
function describe(error: Error): string {
  const code = (error as { code?: string }).code;
  const option = /'(-[^' ]+)/.exec(error.message)?.[1] ?? "";
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") return `Unknown option ${option}.`;
  if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") {
    if (error.message.includes("--out")) return "--out needs a file name.";
    return "--delimiter needs a value: comma, semicolon or tab.";
  }
  return error.message;
}

export function show(delimiter: Delimiter): string {
  return delimiter === "\t" ? "tab" : `"${delimiter}"`;
}
