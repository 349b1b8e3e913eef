/**
 * Prints the public SDL to schema/schema.graphql and the federation SDL to schema/subgraph.graphql,
 * or checks them with --check. The committed files are always this script's output, never edited by
 * hand; CI fails when they differ from the code.
 */
import "reflect-metadata";
import { readFile, writeFile } from "node:fs/promises";
import { printSchema } from "graphql";
import { publicSchema } from "../graphql/schema.js";
import { subgraphTypeDefs } from "../graphql/subgraph.js";

const HEADER = "# Printed from the code by `npm run schema:print`. Do not edit.\n\n";
const outputs = [
  { file: "schema.graphql", sdl: printSchema(publicSchema()) },
  { file: "subgraph.graphql", sdl: subgraphTypeDefs() },
];

let stale = false;
for (const { file, sdl } of outputs) {
  const target = new URL(`../../schema/${file}`, import.meta.url);
  const text = `${HEADER}${sdl.trim()}\n`;
  if (process.argv.includes("--check")) {
    if ((await readFile(target, "utf8").catch(() => "")) !== text) {
      process.stderr.write(`schema/${file} is out of date: run \`npm run schema:print\` and commit it.\n`);
      stale = true;
    }
  } else {
    await writeFile(target, text);
    process.stdout.write(`wrote schema/${file}\n`);
  }
}
if (stale) process.exit(1);
