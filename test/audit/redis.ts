/**
 * A throw-away redis-server for the audit that can be killed (-9) and started again on the same port
 * with the same data, or paused: unlike the suites' throw-away server (test/helpers/redis.ts), its
 * append-only file is written on every command, as a production Redis that idempotency keys rely on
 * must be, so a crash loses the connection, not the keys.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/redis.js";
import { track, trackDirectory } from "./children.js";

export const REDIS_INSTALLED = spawnSync("redis-server", ["--version"]).error === undefined;

export class AuditRedis {
  private child: ChildProcess | null = null;

  private readonly cleanup: { forget(): void };

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {
    this.cleanup = trackDirectory(dir);
  }

  static async start(): Promise<AuditRedis> {
    const redis = new AuditRedis(await freePort(), mkdtempSync(join(tmpdir(), "oms-graph-audit-redis-")));
    try {
      await redis.spawn();
    } catch (error) {
      await redis.stop();
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  /** SIGKILL, as a crash or an OOM kill would. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** SIGSTOP, then SIGCONT after `ms`: a Redis that hangs (swapping, a long fork) without dying. */
  async pause(ms: number): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    child.kill("SIGSTOP");
    await new Promise((resolve) => setTimeout(resolve, ms));
    child.kill("SIGCONT");
  }

  async restart(): Promise<void> {
    await this.kill();
    await this.spawn();
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
    this.cleanup.forget();
  }

  private spawn(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--dir", this.dir, "--save", ""];
    const durable = ["--appendonly", "yes", "--appendfsync", "always"];
    const child = track(spawn("redis-server", [...args, ...durable], { stdio: ["ignore", "pipe", "pipe"] }));
    this.child = child;
    let output = "";
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => settle(new Error(`redis-server did not start:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) settle();
      };
      const onExit = (code: number | null) =>
        settle(new Error(`redis-server exited with ${code}:\n${output}`));
      const onError = (error: Error) => settle(error);
      function settle(error?: Error) {
        clearTimeout(timer);
        child.off("exit", onExit);
        child.off("error", onError);
        child.stdout?.off("data", onData);
        // Keep draining its output so a full pipe never blocks it.
        child.stdout?.resume();
        child.stderr?.resume();
        if (error) reject(error);
        else resolve();
      }
      child.stdout?.on("data", onData);
      child.once("exit", onExit);
      child.once("error", onError);
    });
  }
}
