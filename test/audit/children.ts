/**
 * Every child process and temporary directory the audit starts or makes, so none outlives it: if
 * the run is cut short (a test timeout, an uncaught error), what is left is killed or removed when
 * this process exits.
 */
import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";

const running = new Set<ChildProcess>();
const directories = new Set<string>();
let registered = false;

export function track(child: ChildProcess): ChildProcess {
  onExit();
  running.add(child);
  child.once("exit", () => running.delete(child));
  return child;
}

/** Removes `dir` at exit unless `forget` was called first. */
export function trackDirectory(dir: string): { forget(): void } {
  onExit();
  directories.add(dir);
  return { forget: () => directories.delete(dir) };
}

function onExit(): void {
  if (registered) return;
  registered = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
    for (const dir of directories) rmSync(dir, { recursive: true, force: true });
  });
}
