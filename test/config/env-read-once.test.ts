/**
 * The environment is read in one place: no source file but config.ts and the entry points mentions
 * process.env, and the entry points only hand it to a config loader.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

describe("the environment is read in one place", () => {
  const srcDir = fileURLToPath(new URL("../../src/", import.meta.url));
  // Process entry points hand process.env to their config loader whole; they never pick variables themselves.
  const ENTRY_POINTS: Record<string, string> = {
    "main.ts": "loadConfig(process.env",
    "simulator/main.ts": "loadSimulatorConfig(process.env",
    "import/main.ts": "loadImportConfig(process.env",
  };

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return entry.name.endsWith(".ts") ? [path] : [];
    });
  }

  it("finds the source files it scans", () => {
    const files = sourceFiles(srcDir).map((file) => relative(srcDir, file));
    expect(files).toContain("config.ts");
    expect(files).toContain("main.ts");
    expect(files).toContain("oms/http.ts");
  });

  it("has no file other than config.ts and the entry points mention process.env", () => {
    const offenders = sourceFiles(srcDir)
      .map((file) => relative(srcDir, file).split("\\").join("/"))
      .filter((name) => name !== "config.ts" && !(name in ENTRY_POINTS))
      .filter((name) => readFileSync(join(srcDir, name), "utf8").includes("process.env"));
    expect(offenders).toEqual([]);
  });

  it("has the entry points only pass process.env to a config loader", () => {
    for (const [name, expected] of Object.entries(ENTRY_POINTS)) {
      const code = readFileSync(join(srcDir, name), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      const uses = code.match(/[\w.(]*process\.env[\w.[]*/g) ?? [];
      expect(uses, name).toEqual([expected]);
    }
  });
});
