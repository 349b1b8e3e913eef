/**
 * The gateway as a real child process (`node --import tsx src/main.ts`), with a clean environment,
 * started, killed (-9), drained (SIGTERM) and started again by the audit. Not the suites' module
 * (test/helpers/gateway-process.ts): that one is bound to vitest's hooks, and `npm run audit` runs
 * without vitest.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { request } from "undici";
import { freePort } from "../helpers/redis.js";
import { track } from "./children.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OUTPUT_KEPT = 20_000;

/**
 * The drain's grace period: well beyond the slowest audit request (a bulk of 10 whose commands all
 * hang and are verified: two rounds of deadline plus read, about 4 s), so a request received
 * before SIGTERM can always finish, also on a busy machine.
 */
export const SHUTDOWN_GRACE_MS = 8_000;

export const API_KEYS = ["audit-caller-alpha-0001", "audit-caller-bravo-0002"] as const;

export interface GatewaySettings {
  omsUrl: string;
  omsToken: string;
  omsTimeoutMs: number;
  redisUrl: string | null;
  /**
   * "single": one transition id for every status, so a command needs no read first. "per-status":
   * the transition is chosen by the package's status, so every command is preceded by a read (a
   * bulk call's reads batched into list calls ahead of its commands).
   */
  transitions: "single" | "per-status";
}

export class GatewayProcess {
  private output = "";
  readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    /** 1 for the first gateway of a run, then one more for each restart. */
    readonly generation: number,
  ) {
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString()).slice(-OUTPUT_KEPT);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once("exit", () => resolve());
    });
  }

  static async start(settings: GatewaySettings, generation: number): Promise<GatewayProcess> {
    const port = await freePort();
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "",
      NODE_ENV: "production",
      SUBGRAPH_ENABLED: "false",
      OMS_BASE_URL: settings.omsUrl,
      OMS_API_TOKEN: settings.omsToken,
      OMS_SHIPMENT_TRANSITIONS:
        settings.transitions === "single" ? "41" : "packed:41,shipped:42,delivered:43,attempted_delivery:44",
      OMS_TIMEOUT_MS: String(settings.omsTimeoutMs),
      // About two in five scheduled commands fail in transport; at the default threshold (5) the
      // breaker would be open half the run and refuse most of the schedule before it reaches the
      // OMS. At 12 only a storm opens it, and the run recovers from it in a second.
      OMS_BREAKER_THRESHOLD: "12",
      OMS_BREAKER_HALF_OPEN_MS: "1000",
      API_KEYS: API_KEYS.join(","),
      PORT: String(port),
      LOG_LEVEL: "warn",
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      ...(settings.redisUrl ? { REDIS_URL: settings.redisUrl } : {}),
    };
    const child = track(
      spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
        cwd: ROOT,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      }),
    );
    const gateway = new GatewayProcess(child, `http://127.0.0.1:${port}`, generation);
    try {
      await gateway.waitUntilLive();
    } catch (error) {
      gateway.kill();
      throw error;
    }
    return gateway;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the process wrote, for a failure message. */
  get recentOutput(): string {
    return this.output;
  }

  kill(): void {
    if (this.running) this.child.kill("SIGKILL");
  }

  terminate(): void {
    if (this.running) this.child.kill("SIGTERM");
  }

  private async waitUntilLive(): Promise<void> {
    const until = Date.now() + 30_000;
    while (Date.now() < until) {
      if (!this.running) throw new Error(`the gateway exited during start-up:\n${this.output}`);
      try {
        const res = await request(`${this.url}/health/live`, { headersTimeout: 1_000, bodyTimeout: 1_000 });
        await res.body.dump();
        if (res.statusCode === 200) return;
      } catch {
        // Not listening yet.
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the gateway did not start in 30 s:\n${this.output}`);
  }
}
