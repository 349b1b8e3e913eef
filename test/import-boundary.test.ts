/**
 * The import is a program of its own, a client of the gateway over HTTP like any integrator's: it
 * must not load the gateway's configuration (which would validate the gateway's settings on an
 * integrator's machine), nor its GraphQL, OMS or HTTP layers. It shares one thing with the gateway:
 * the folding of cargo company names in domain/cargo-company-catalogue.ts, so that the file's
 * cargo_company column matches exactly what the `cargoCompanies` search matches.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const IMPORT_DIR = resolve("src/import");
const SHARED = new Set([resolve("src/domain/cargo-company-catalogue.ts")]);
/** The packages the import runs on: HTTP client, CSV reader, retries. */
const PACKAGES = new Set(["undici", "csv-parse", "p-retry"]);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** Static imports, `export ... from`, `import()` and `require()` specifiers, as TypeScript reads them. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** The source file a relative specifier names (`./x.js` is written for `./x.ts`). */
function target(file: string, specifier: string): string {
  return resolve(dirname(file), specifier).replace(/\.js$/, ".ts");
}

/** Why this import crosses out of the import program, or undefined when it is allowed. */
function crossing(file: string, specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return undefined;
  if (!specifier.startsWith(".")) {
    return PACKAGES.has(specifier.split("/")[0] ?? "")
      ? undefined
      : `${specifier} is not a package it runs on`;
  }
  const path = target(file, specifier);
  if (!relative(IMPORT_DIR, path).startsWith("..") || SHARED.has(path)) return undefined;
  return `${relative(process.cwd(), path)} is outside src/import/ and not shared with it`;
}

function crossings(file: string, source: string): string[] {
  return specifiers(source).flatMap((specifier) => {
    const reason = crossing(file, specifier);
    return reason ? [`${relative(process.cwd(), file)} imports "${specifier}": ${reason}`] : [];
  });
}

/** Every source file the entry point loads, through relative imports, type-only ones included. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    for (const specifier of specifiers(readFileSync(file, "utf8"))) {
      if (!specifier.startsWith(".")) continue;
      const path = target(file, specifier);
      expect(existsSync(path), `${file} imports ${specifier}`).toBe(true);
      queue.push(path);
    }
  }
  return seen;
}

describe("the import's imports", () => {
  it("stay inside src/import/, node's built-ins, its packages and the shared cargo company search, in every file", () => {
    const files = sourceFiles(IMPORT_DIR);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => crossings(file, readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });

  it("load nothing of the gateway's config, graphql/, oms/, http/ or the simulator, however indirectly", () => {
    const loaded = [...reachable(join(IMPORT_DIR, "main.ts"))].map((file) => relative("src", file));
    expect(loaded).toContain("import/run.ts");
    expect(loaded).toContain("domain/cargo-company-catalogue.ts");
    const outside = loaded.filter((file) => !file.startsWith("import/") && !file.startsWith("domain/"));
    expect(outside).toEqual([]);
  });

  it("would catch the gateway's config, its layers and a package it does not run on", () => {
    const file = join(IMPORT_DIR, "run.ts");
    const source = [
      'import { loadConfig } from "../config.js";',
      'import { Parser } from "../config-values.js";',
      'import type { Context } from "../graphql/context.js";',
      'import { OmsHttp } from "../oms/http.js";',
      'const io = await import("../http/io.js");',
      'import { foldForSearch } from "../domain/cargo-company-catalogue.js";',
      'import pino from "pino";',
      'import { request } from "undici";',
      'import { parse } from "csv-parse";',
      'import { createServer } from "node:http";',
      'import { Journal } from "./journal.js";',
    ].join("\n");
    expect(crossings(file, source)).toEqual([
      'src/import/run.ts imports "../config.js": src/config.ts is outside src/import/ and not shared with it',
      'src/import/run.ts imports "../config-values.js": src/config-values.ts is outside src/import/ and not shared with it',
      'src/import/run.ts imports "../graphql/context.js": src/graphql/context.ts is outside src/import/ and not shared with it',
      'src/import/run.ts imports "../oms/http.js": src/oms/http.ts is outside src/import/ and not shared with it',
      'src/import/run.ts imports "../http/io.js": src/http/io.ts is outside src/import/ and not shared with it',
      'src/import/run.ts imports "pino": pino is not a package it runs on',
    ]);
  });
});

/** Lines of each function in `source` over `max`, as `name:line (n lines)`. */
function longFunctions(file: string, source: string, max: number): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const line = (pos: number) => tree.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const lines = line(node.end) - line(node.getStart(tree)) + 1;
      const name = node.name?.getText(tree) ?? "(anonymous)";
      if (lines > max)
        found.push(`${relative(process.cwd(), file)} ${name}:${line(node.getStart(tree))} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

describe("the import's source", () => {
  it("has no file over 250 lines and no function over 60", () => {
    const files = sourceFiles(IMPORT_DIR);
    const long = files
      .map((file) => [relative(process.cwd(), file), readFileSync(file, "utf8").split("\n").length] as const)
      .filter(([, lines]) => lines > 250);
    expect(long).toEqual([]);
    expect(files.flatMap((file) => longFunctions(file, readFileSync(file, "utf8"), 60))).toEqual([]);
  });

  it("would catch a long function", () => {
    const body = Array.from({ length: 60 }, (_, i) => `  const v${i} = ${i};`).join("\n");
    const source = `export function long() {\n${body}\n}\nconst short = () => 1;\n`;
    expect(longFunctions(join(IMPORT_DIR, "x.ts"), source, 60)).toEqual([
      "src/import/x.ts long:1 (62 lines)",
    ]);
  });
});
