/**
 * A throw-away redis-server on 127.0.0.1 for tests that need a real Redis to stop: an ephemeral
 * port, no snapshots, no append-only file, its own empty directory. Needs the Debian package
 * redis-server; `SKIP_REDIS` is true only on a workstation without it (in CI the tests must run).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const IN_CI = process.env.CI === "true";
const INSTALLED = spawnSync("redis-server", ["--version"]).error === undefined;
export const SKIP_REDIS = !INSTALLED && !IN_CI;
if (SKIP_REDIS) {
  console.warn(
    "redis-server is not installed: tests that need it are skipped (apt-get install redis-server)",
  );
}

export interface RedisServer {
  url: string;
  /** Stops it (SIGTERM) and removes its directory; safe to call twice. */
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "oms-graph-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
  const child: ChildProcess = spawn("redis-server", [...args, "--dir", dir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => settle(new Error(`redis-server did not start in 10 s:\n${output}`)),
      10_000,
    );
    const onError = (error: Error) =>
      settle(new Error(`redis-server could not be started: ${error.message}`));
    const onExit = (code: number | null) => settle(new Error(`redis-server exited with ${code}:\n${output}`));
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) settle();
    };
    function settle(error?: Error) {
      clearTimeout(timer);
      child.off("error", onError);
      child.off("exit", onExit);
      child.stdout?.off("data", onData);
      child.stderr?.off("data", onData);
      // Keep draining its output so a full pipe never blocks it.
      child.stdout?.resume();
      child.stderr?.resume();
      if (error) {
        if (child.exitCode === null) child.kill("SIGKILL");
        rmSync(dir, { recursive: true, force: true });
        reject(error);
      } else resolve();
    }
    child.once("error", onError);
    child.once("exit", onExit);
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
  });
  let stopped: Promise<void> | undefined;
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        child.kill("SIGTERM");
      });
      return stopped;
    },
  };
}
