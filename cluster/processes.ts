/**
 * The cluster's programs as child processes: each one's output kept line by line (and passed on), a
 * wait for the line that says it is ready, and a stop that drains it (SIGTERM) or kills it outright
 * (SIGKILL) as a crash would. Whatever is still running when this process exits is killed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface ServiceSpec {
  name: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  /** Called with every line the program writes, stdout and stderr alike. */
  onLine?: (service: string, line: string) => void;
}

/** Lines kept per program; the oldest go first. A cluster test's run writes far fewer. */
const MAX_LINES = 100_000;
/** How long a stopped program may take to drain before it is killed. */
const STOP_LIMIT_MS = 15_000;

const running = new Set<ChildProcess>();
let exitHookAdded = false;

export class Service {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  private readonly output: string[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(readonly spec: ServiceSpec) {
    killAllOnExit();
    this.child = spawn(spec.command, spec.args, { env: spec.env, stdio: ["ignore", "pipe", "pipe"] });
    running.add(this.child);
    this.exited = new Promise((resolve) => {
      this.child.once("exit", () => {
        running.delete(this.child);
        resolve();
        this.notify();
      });
      // A program that cannot be started at all (not installed) ends here instead.
      this.child.once("error", (error) => {
        this.record(`cannot start ${spec.command}: ${error.message}`);
        running.delete(this.child);
        resolve();
        this.notify();
      });
    });
    for (const stream of [this.child.stdout, this.child.stderr]) {
      if (stream) createInterface({ input: stream }).on("line", (line) => this.record(line));
    }
  }

  get name(): string {
    return this.spec.name;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && running.has(this.child);
  }

  /** Everything it wrote so far, one entry per line. */
  lines(): readonly string[] {
    return this.output;
  }

  /** Its last lines, for an error message. */
  tail(count = 30): string {
    return this.output.slice(-count).join("\n");
  }

  /**
   * Resolves with the first line matching `pattern`, already written or still to come.
   * @throws when the program exits first, or nothing matches within `timeoutMs`
   */
  waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => done(new Error(`no line matching ${pattern} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const check = () => {
        for (const line of this.output) {
          const match = pattern.exec(line);
          if (match) return done(undefined, match);
        }
        if (!this.running) done(new Error(`exited (${this.child.exitCode ?? this.child.signalCode})`));
      };
      const done = (error?: Error, match?: RegExpExecArray) => {
        clearTimeout(timer);
        this.waiters.delete(check);
        if (match) return resolve(match);
        reject(new Error(`${this.name}: ${error?.message}; its last lines:\n${this.tail()}`));
      };
      this.waiters.add(check);
      check();
    });
  }

  /** SIGTERM (it drains, then exits) or SIGKILL; resolves once it exited. */
  async stop(signal: "SIGTERM" | "SIGKILL" = "SIGTERM"): Promise<void> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const limit = setTimeout(() => this.child.kill("SIGKILL"), STOP_LIMIT_MS);
    await this.exited;
    clearTimeout(limit);
  }

  private record(line: string): void {
    this.output.push(line);
    if (this.output.length > MAX_LINES) this.output.splice(0, this.output.length - MAX_LINES);
    this.spec.onLine?.(this.name, line);
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function killAllOnExit(): void {
  if (exitHookAdded) return;
  exitHookAdded = true;
  process.once("exit", () => {
    for (const child of running) child.kill("SIGKILL");
  });
}
