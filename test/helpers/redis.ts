/**
 * Throw-away redis-server processes for the tests (Debian package redis-server): loopback, an
 * ephemeral port, no snapshots, no append-only file, an empty directory of their own. Without the
 * package, suites that need Redis are skipped on a workstation and fail in CI (CI=true).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const IN_CI = process.env.CI === "true";
const REDIS_INSTALLED = spawnSync("redis-server", ["--version"]).error === undefined;
export const SKIP_REDIS = !REDIS_INSTALLED && !IN_CI;
export const SKIP_MESSAGE =
  "redis-server is not installed: the Redis half of the idempotency tests is skipped " +
  "(apt-get install redis-server; in CI it is required and the tests fail instead)";
if (SKIP_REDIS) console.warn(SKIP_MESSAGE);

export interface RedisServer {
  url: string;
  /** Stops it (SIGTERM), or kills it outright (SIGKILL) as a crash would. */
  stop(signal?: "SIGTERM" | "SIGKILL"): Promise<void>;
}

export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A throw-away redis-server on 127.0.0.1: no snapshots, no append-only file, its own empty directory. */
export async function startRedis(port?: number): Promise<RedisServer> {
  port ??= await freePort();
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
      settle(new Error(`redis-server could not be started (Debian package redis-server): ${error.message}`));
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
    stop(signal = "SIGTERM") {
      stopped ??= new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", done);
        child.kill(signal);
      });
      return stopped;
    },
  };
}
