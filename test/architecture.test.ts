/**
 * The gateway's layers, as the design draws them: graphql/ → domain/ ← oms/. The domain is pure (no
 * package, no adapter); the OMS adapter knows nothing of GraphQL or of the HTTP edge; GraphQL reaches
 * the OMS only through the domain's ports, and outside oms/ only the composition root and readiness
 * reach into it, so an OMS HTTP status is read nowhere else. And the sizes a newcomer can take in at once: no file
 * under src/ over 250 lines, no function over 60, measured on TypeScript's own syntax tree.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = resolve("src");
const MAX_FILE_LINES = 250;
const MAX_FUNCTION_LINES = 60;
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.[cm]?tsx?$/.test(entry.name) ? [path] : [];
  });
}

/** The folder under src/ a file or import target sits in ("domain", "oms", ...), or "" at the top. */
function layerOf(path: string): string {
  const inside = relative(SRC, path);
  if (inside.startsWith("..")) return "..";
  const parts = inside.split(sep);
  return parts.length > 1 ? (parts[0] ?? "") : "";
}

/** Static imports, `export ... from`, `import()` and `require()` specifiers, as TypeScript reads them. */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

/** What each layer may not import: folders under src/, and whether npm packages are allowed. */
const RULES: Record<string, { forbidden: string[]; packages: boolean }> = {
  domain: { forbidden: ["oms", "graphql", "http"], packages: false },
  oms: { forbidden: ["graphql", "http"], packages: true },
  graphql: { forbidden: ["oms"], packages: true },
};

/** Why this import crosses a layer the wrong way, or undefined when it is allowed. */
function crossing(file: string, specifier: string): string | undefined {
  const rule = RULES[layerOf(file)];
  if (rule === undefined || specifier.startsWith("node:")) return undefined;
  if (!specifier.startsWith(".")) return rule.packages ? undefined : `${specifier} is an npm package`;
  const target = layerOf(resolve(dirname(file), specifier));
  return rule.forbidden.includes(target) ? `src/${target}/ is a layer it may not depend on` : undefined;
}

function crossings(file: string, source: string): string[] {
  return specifiers(source).flatMap((specifier) => {
    const reason = crossing(file, specifier);
    return reason ? [`${relative(process.cwd(), file)} imports "${specifier}": ${reason}`] : [];
  });
}

/** Every function, method, accessor, constructor or arrow longer than the limit, with its line span. */
function longFunctions(file: string, source: string): string[] {
  const tree = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && "body" in node && node.body !== undefined) {
      const start = tree.getLineAndCharacterOfPosition(node.getStart(tree)).line + 1;
      const end = tree.getLineAndCharacterOfPosition(node.getEnd()).line + 1;
      if (end - start + 1 > MAX_FUNCTION_LINES) {
        const name = node.name && ts.isIdentifier(node.name) ? node.name.text : "(anonymous)";
        found.push(`${relative(process.cwd(), file)}:${start} ${name} spans ${end - start + 1} lines`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(tree);
  return found;
}

function lineCount(source: string): number {
  return source.endsWith("\n") ? source.split("\n").length - 1 : source.split("\n").length;
}

/** The files outside src/oms/ that may import from it: the composition root, and readiness's question. */
const OMS_IMPORTERS = ["src/gateway.ts", "src/server.ts", "src/readiness.ts"];

function omsImports(file: string, source: string): string[] {
  if (layerOf(file) === "oms" || OMS_IMPORTERS.includes(relative(process.cwd(), file))) return [];
  return specifiers(source)
    .filter((specifier) => specifier.startsWith(".") && layerOf(resolve(dirname(file), specifier)) === "oms")
    .map((specifier) => `${relative(process.cwd(), file)} imports "${specifier}"`);
}

const measured = () => sourceFiles(SRC);

describe("the layers", () => {
  it("point inward in every file: graphql/ → domain/ ← oms/", () => {
    const files = sourceFiles(SRC);
    expect(files.length).toBeGreaterThan(50);
    const found = files.flatMap((file) => crossings(file, readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });

  it("reach src/oms/ from outside only in the composition root and readiness", () => {
    const found = sourceFiles(SRC).flatMap((file) => omsImports(file, readFileSync(file, "utf8")));
    expect(found).toEqual([]);
    expect(
      omsImports(join(SRC, "http", "request-log.ts"), 'import type { OmsCall } from "../oms/telemetry.js";'),
    ).toEqual(['src/http/request-log.ts imports "../oms/telemetry.js"']);
  });

  it("would catch an adapter, a package in the domain, and GraphQL reaching past the ports", () => {
    const domain = join(SRC, "domain", "shipment.ts");
    const domainSource = [
      'import type { OmsHttp } from "../oms/http.js";',
      'import { Field } from "type-graphql";',
      'export { sendJson } from "../http/io.js";',
      'const schema = await import("../graphql/schema.js");',
      'import type { PackageRecord } from "./package.js";',
    ].join("\n");
    expect(crossings(domain, domainSource)).toEqual([
      'src/domain/shipment.ts imports "../oms/http.js": src/oms/ is a layer it may not depend on',
      'src/domain/shipment.ts imports "type-graphql": type-graphql is an npm package',
      'src/domain/shipment.ts imports "../http/io.js": src/http/ is a layer it may not depend on',
      'src/domain/shipment.ts imports "../graphql/schema.js": src/graphql/ is a layer it may not depend on',
    ]);
    const oms = join(SRC, "oms", "oms-client.ts");
    expect(
      crossings(oms, 'import { GatewayContext } from "../graphql/context.js";\nimport "undici";'),
    ).toEqual([
      'src/oms/oms-client.ts imports "../graphql/context.js": src/graphql/ is a layer it may not depend on',
    ]);
    const graphql = join(SRC, "graphql", "shipment", "run-command.ts");
    expect(crossings(graphql, 'import { OmsClient } from "../../oms/oms-client.js";')).toEqual([
      'src/graphql/shipment/run-command.ts imports "../../oms/oms-client.js": src/oms/ is a layer it may not depend on',
    ]);
  });
});

describe("sizes under src/", () => {
  it(`has no file over ${MAX_FILE_LINES} lines`, () => {
    const found = measured().flatMap((file) => {
      const lines = lineCount(readFileSync(file, "utf8"));
      return lines > MAX_FILE_LINES ? [`${relative(process.cwd(), file)} has ${lines} lines`] : [];
    });
    expect(found).toEqual([]);
  });

  it(`has no function over ${MAX_FUNCTION_LINES} lines`, () => {
    const found = measured().flatMap((file) => longFunctions(file, readFileSync(file, "utf8")));
    expect(found).toEqual([]);
  });

  it("would catch a long arrow function and a long method", () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const x${i} = ${i};`).join("\n");
    const source = `const f = () => {\n${body}\n};\nclass A {\n  m() {\n${body}\n  }\n}\n`;
    expect(longFunctions(join(SRC, "x.ts"), source)).toEqual([
      `src/x.ts:1 (anonymous) spans ${MAX_FUNCTION_LINES + 2} lines`,
      `src/x.ts:${MAX_FUNCTION_LINES + 4} m spans ${MAX_FUNCTION_LINES + 2} lines`,
    ]);
  });
});
