/**
 * The gateway processes of one audit run: the one serving now, its keep-alive connection pool, and
 * the replacements started when one is killed (-9) or drained (SIGTERM), as an orchestrator would.
 */
import { Pool } from "undici";
import type { GatewayTarget } from "./client.js";
import { GatewayProcess, type GatewaySettings, SHUTDOWN_GRACE_MS } from "./gateway.js";

interface Live {
  process: GatewayProcess;
  pool: Pool;
}

/** How long a drained gateway may take to exit before it is killed: beyond its own grace period. */
const DRAIN_LIMIT_MS = 20_000;

export class Fleet {
  private readonly all: Live[] = [];
  private pending: Promise<Live> | null = null;
  private serial: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly settings: GatewaySettings,
    private current: Live,
  ) {
    this.all.push(current);
  }

  static async start(settings: GatewaySettings): Promise<Fleet> {
    return new Fleet(settings, await launch(settings, 1));
  }

  /** Where a request goes now; waits while a killed gateway is being replaced. */
  async target(): Promise<GatewayTarget> {
    if (this.pending) await this.pending;
    return { generation: this.current.process.generation, dispatcher: this.current.pool };
  }

  /** Whether the gateway serving now is still running: it should be, unless the audit stopped it. */
  get healthy(): boolean {
    return this.current.process.running;
  }

  /** The gateway serving now: its connection pool, and when it exits. */
  serving(): { dispatcher: Pool; exited: Promise<void> } {
    return { dispatcher: this.current.pool, exited: this.current.process.exited };
  }

  get recentOutput(): string {
    return this.current.process.recentOutput;
  }

  /**
   * SIGKILL the serving gateway and start another; requests wait for it.
   * @returns the killed generation
   */
  killAndReplace(): Promise<number> {
    return this.exclusive(async () => {
      const killed = this.current;
      this.pending = this.replace();
      killed.process.kill();
      await killed.process.exited;
      await this.pending;
      this.pending = null;
      return killed.process.generation;
    });
  }

  /**
   * SIGTERM the serving gateway while requests keep arriving on its open connections, as they do
   * while a load balancer still routes to it: until it exited, or for as long as its grace period.
   * A replacement starts at once and takes over after that. Resolves once the drained one exited.
   * @returns the drained generation
   */
  drainAndReplace(): Promise<number> {
    return this.exclusive(async () => {
      const drained = this.current;
      drained.process.terminate();
      const routedUntil = Promise.race([drained.process.exited, delay(SHUTDOWN_GRACE_MS + 500)]);
      const [next] = await Promise.all([this.launchNext(), routedUntil]);
      this.current = next;
      const limit = setTimeout(() => drained.process.kill(), DRAIN_LIMIT_MS);
      await drained.process.exited;
      clearTimeout(limit);
      return drained.process.generation;
    });
  }

  async stop(): Promise<void> {
    await this.serial.catch(() => undefined);
    if (this.pending) await this.pending.catch(() => undefined);
    for (const live of this.all) {
      live.process.kill();
      await live.process.exited;
      await live.pool.destroy();
    }
  }

  private async replace(): Promise<Live> {
    this.current = await this.launchNext();
    return this.current;
  }

  private async launchNext(): Promise<Live> {
    const next = await launch(this.settings, this.all.length + 1);
    this.all.push(next);
    return next;
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.serial.then(work, work);
    this.serial = run.catch(() => undefined);
    return run;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function launch(settings: GatewaySettings, generation: number): Promise<Live> {
  const process = await GatewayProcess.start(settings, generation);
  return { process, pool: new Pool(process.url, { connections: 16, keepAliveTimeout: 30_000 }) };
}
