/**
 * The README's advice to frontends stays true: its TypeScript snippets are code of the frontend
 * example (which CI compiles), its codegen configuration is the one this repository generates the
 * example's client with, and Apollo Client's `possibleTypes` is the generated object, holding every
 * member of every union and interface of the committed schema.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildSchema, isInterfaceType, isUnionType } from "graphql";
import { describe, expect, it } from "vitest";
import generated from "../schema/client/possible-types.js";

const README = readFileSync("README.md", "utf8");
const EXAMPLE_SOURCES = "examples/frontend/src";

function section(title: string): string {
  const start = README.indexOf(`\n## ${title}\n`);
  const end = README.indexOf("\n## ", start + 1);
  expect(start).toBeGreaterThan(0);
  return README.slice(start, end);
}

/** The fenced blocks of one language, without the indentation of the list item they sit in. */
function blocks(text: string, language: string): string[] {
  const found = [...text.matchAll(new RegExp(`^( *)\`\`\`${language}\\n([\\s\\S]*?)^\\1\`\`\``, "gm"))];
  return found.map(([, indent = "", body = ""]) =>
    body
      .split("\n")
      .map((line) => line.slice(indent.length))
      .join("\n"),
  );
}

const frontends = section("Frontends");
const exampleCode = readdirSync(EXAMPLE_SOURCES)
  .map((file) => readFileSync(join(EXAMPLE_SOURCES, file), "utf8"))
  .join("\n");

describe("README, Frontends", () => {
  const snippets = blocks(frontends, "ts");

  it("has TypeScript snippets", () => {
    expect(snippets.length).toBeGreaterThanOrEqual(2);
  });

  it("each snippet that needs no Apollo Client is code of the frontend example, compiled by build:example", () => {
    const own = snippets.filter((snippet) => !snippet.includes('"@apollo/client"'));
    expect(own.length).toBeGreaterThanOrEqual(1);
    for (const snippet of own) expect(exampleCode).toContain(snippet);
  });

  it("the Apollo Client snippet takes possibleTypes from the generated file, and no list is written by hand", () => {
    const apollo = snippets.filter((snippet) => snippet.includes('"@apollo/client"'));
    expect(apollo).toHaveLength(1);
    expect(apollo[0]).toContain('import generated from "./gql/possible-types.js";');
    expect(apollo[0]).toContain("possibleTypes: generated.possibleTypes");
    expect(frontends).not.toMatch(/possibleTypes: \{|\["ShipmentUpdated"/);
  });

  it("its codegen configuration is the one codegen.yml generates schema/client/ with", () => {
    const [config] = blocks(frontends, "yaml");
    const generates = (config ?? "").slice((config ?? "").indexOf("  src/gql/:"));
    const ours = generates
      .replaceAll("src/gql/", "schema/client/")
      .replaceAll("src/**/*.ts", "examples/frontend/src/**/*.ts");

    expect(config).toContain("schema: ../oms-graph/schema/schema.graphql\ngenerates:\n");
    expect(readFileSync("codegen.yml", "utf8")).toContain(ours);
  });
});

describe("schema/client/possible-types.ts", () => {
  const schema = buildSchema(readFileSync("schema/schema.graphql", "utf8"));

  it("lists every member of every union and interface of schema/schema.graphql", () => {
    const expected: Record<string, string[]> = {};
    for (const type of Object.values(schema.getTypeMap())) {
      if (isUnionType(type)) expected[type.name] = type.getTypes().map((t) => t.name);
      if (isInterfaceType(type)) expected[type.name] = schema.getPossibleTypes(type).map((t) => t.name);
    }
    const sorted = (map: Record<string, readonly string[]>) =>
      Object.fromEntries(Object.entries(map).map(([name, members]) => [name, [...members].sort()]));

    expect(sorted(generated.possibleTypes)).toStrictEqual(sorted(expected));
    expect(generated.possibleTypes.MutationError).toContain("CommandFailed");
    expect(generated.possibleTypes.UpdatePackageShipmentsItem).toContain("CommandFailed");
  });
});
