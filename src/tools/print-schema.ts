/**
 * Prints the public SDL to schema/schema.graphql (or checks it with --check). The committed file is
 * always the output of this script, never edited by hand; CI fails when they differ.
 */
import "reflect-metadata";
import { readFile, writeFile } from "node:fs/promises";
import { printSchema } from "graphql";
import { publicSchema } from "../graphql/schema.js";

const HEADER = "# Printed from the code by `npm run schema:print`. Do not edit.\n\n";
const target = new URL("../../schema/schema.graphql", import.meta.url);
const sdl = `${HEADER}${printSchema(publicSchema())}\n`;

if (process.argv.includes("--check")) {
  const current = await readFile(target, "utf8").catch(() => "");
  if (current !== sdl) {
    process.stderr.write("schema/schema.graphql is out of date: run `npm run schema:print` and commit it.\n");
    process.exit(1);
  }
} else {
  await writeFile(target, sdl);
  process.stdout.write(`wrote ${target.pathname.split("/").slice(-2).join("/")}\n`);
}
