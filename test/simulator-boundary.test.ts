/**
 * The simulator is a program of its own and a stand-in for the OMS: if it shared the gateway's OMS
 * types, configuration or domain, a mistake there would be made on both sides of the wire and no
 * test could see it. Every file under src/simulator/ may import only node's built-ins and other
 * files under src/simulator/.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SIMULATOR_DIR = resolve("src/simulator");

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

/** Why this import crosses out of the simulator, or undefined when it is allowed. */
function crossing(file: string, specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return undefined;
  if (!specifier.startsWith(".")) return `${specifier} is a package, not a node built-in`;
  const target = resolve(dirname(file), specifier);
  const inside = relative(SIMULATOR_DIR, target);
  return inside.startsWith("..") ? `${relative(process.cwd(), target)} is outside src/simulator/` : undefined;
}

function crossings(file: string, source: string): string[] {
  return specifiers(source).flatMap((specifier) => {
    const reason = crossing(file, specifier);
    return reason ? [`${relative(process.cwd(), file)} imports "${specifier}": ${reason}`] : [];
  });
}

describe("the simulator's imports", () => {
  it("stay inside src/simulator/ and node's built-ins, in every file", () => {
    const files = sourceFiles(SIMULATOR_DIR);
    expect(files.length).toBeGreaterThan(10);
    const found = files.flatMap((file) => crossings(file, readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });

  it("would catch the client's wire types, the gateway's config, the domain and graphql", () => {
    const file = join(SIMULATOR_DIR, "store.ts");
    const source = [
      'import type { WirePackage } from "../oms/wire.js";',
      'import { loadConfig } from "../config.js";',
      'export { PACKAGE_STATUSES } from "../domain/package.js";',
      'const schema = await import("../graphql/schema.js");',
      'import { request } from "undici";',
      'import { createServer } from "node:http";',
      'import { PackageStore } from "./store.js";',
    ].join("\n");
    expect(crossings(file, source)).toEqual([
      'src/simulator/store.ts imports "../oms/wire.js": src/oms/wire.js is outside src/simulator/',
      'src/simulator/store.ts imports "../config.js": src/config.js is outside src/simulator/',
      'src/simulator/store.ts imports "../domain/package.js": src/domain/package.js is outside src/simulator/',
      'src/simulator/store.ts imports "../graphql/schema.js": src/graphql/schema.js is outside src/simulator/',
      'src/simulator/store.ts imports "undici": undici is a package, not a node built-in',
    ]);
  });
});
