/**
 * What each runtime stage of the Dockerfile holds, and `npm run image:files -- <stage> <dir>`, which
 * puts exactly those files into <dir> after `npm run build`: the Dockerfile's build stage runs it and
 * its runtime stages copy the folder, and test/image.test.ts runs the same to start each program from
 * nothing else. Files are read-only (the image keeps them owned by root): a compromised process
 * cannot rewrite its own code.
 */
import { chmod, copyFile, mkdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";

export const IMAGE_FILES = {
  /** The gateway, and the import CLI (`node dist/oms-graph-import.mjs file.csv`), with source maps. */
  gateway: [
    "dist/oms-graph.mjs",
    "dist/oms-graph.mjs.map",
    "dist/oms-graph-import.mjs",
    "dist/oms-graph-import.mjs.map",
  ],
  /** The standalone OMS simulator (`docker build --target oms-simulator`). */
  "oms-simulator": ["dist/oms-simulator.mjs", "dist/oms-simulator.mjs.map"],
} as const satisfies Record<string, readonly string[]>;

export type ImageStage = keyof typeof IMAGE_FILES;

export function isImageStage(name: string): name is ImageStage {
  return Object.hasOwn(IMAGE_FILES, name);
}

/**
 * Copies the stage's files from the `root` of a build into `dir`, keeping their paths.
 * @throws Error naming the first file the build did not make
 */
export async function stageImageFiles(stage: ImageStage, root: string, dir: string): Promise<void> {
  for (const file of IMAGE_FILES[stage]) {
    const from = join(root, file);
    if (!(await stat(from).catch(() => null))?.isFile()) {
      throw new Error(`${file} is missing from ${resolve(root)}: run \`npm run build\` first.`);
    }
    const to = join(dir, file);
    await mkdir(dirname(to), { recursive: true, mode: 0o755 });
    await copyFile(from, to);
    await chmod(to, 0o444);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [stage = "", dir] = process.argv.slice(2);
  if (!isImageStage(stage) || dir === undefined) {
    process.stderr.write(`usage: npm run image:files -- <${Object.keys(IMAGE_FILES).join("|")}> <dir>\n`);
    process.exit(2);
  }
  await stageImageFiles(stage, ".", dir);
  process.stdout.write(`${IMAGE_FILES[stage].join("\n")}\n`);
}
