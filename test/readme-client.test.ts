/**
 * The README's advice to frontends stays true: its TypeScript snippets are code of the frontend
 * example (which CI compiles), its codegen configuration is the one this repository generates the
 * example's client with, and Apollo Client's `possibleTypes` is the generated object, holding every
 * member of every union and interface of the committed schema. Every operation the README shows is
 * valid against the schema, and its curl commands run.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { buildSchema, isInterfaceType, isUnionType, Kind, parse, validate } from "graphql";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import generated from "../schema/client/possible-types.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const run = promisify(execFile);

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

describe("README operations and commands", () => {
  const schema = buildSchema(readFileSync("schema/schema.graphql", "utf8"));
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness();
  });

  afterAll(async () => {
    await h?.close();
  });

  it("every GraphQL operation it shows is valid against schema/schema.graphql", () => {
    const documents = blocks(README, "graphql").map((text) => parse(text));
    const operations = documents.filter((d) =>
      d.definitions.every((x) => x.kind === Kind.OPERATION_DEFINITION),
    );
    // The rest are SDL: the union in the introduction and the federation examples.
    expect(operations.length).toBeGreaterThanOrEqual(4);
    for (const document of operations) expect(validate(schema, document)).toStrictEqual([]);
  });

  it("every curl command to /graphql runs and gets data without errors", async () => {
    const commands = blocks(README, "sh")
      .flatMap((block) => block.split(/\n(?=curl )/))
      .filter((text) => text.startsWith("curl ") && text.includes("127.0.0.1:4000/graphql"));
    expect(commands.length).toBeGreaterThanOrEqual(2);
    for (const command of commands) {
      const { stdout } = await run("sh", ["-c", command.replaceAll("http://127.0.0.1:4000", h.url)]);
      const answer = JSON.parse(stdout) as { data?: unknown; errors?: unknown };
      expect(answer.errors).toBeUndefined();
      expect(answer.data).toBeTruthy();
    }
  });

  it("the tracking link example answers what the README shows", async () => {
    const tracking = blocks(section("Cargo companies"), "graphql").find((b) => b.includes("query Tracking"));
    const [shown] = blocks(section("Cargo companies"), "json");

    const res = await h.gql<{ package: { shipment: unknown } }, Record<string, never>>(tracking ?? "", {});

    expect(res.body.data?.package.shipment).toStrictEqual(JSON.parse(shown ?? "null"));
  });
});
