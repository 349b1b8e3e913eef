/**
 * The gateway as a process of its own (src/main.ts through tsx, or a bundle), the way `npm start`
 * runs it: for tests that read its output, send it signals, or kill it like a crashed replica.
 * Every process started here is killed after each test.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { afterEach } from "vitest";

export interface GatewayProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

export interface StartedGateway extends GatewayProcess {
  /** Its /graphql URL, read from the "oms-graph listening" log line. */
  graphqlUrl: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
});

/**
 * Spawns the gateway with a clean environment: only what the test gives (plus PATH, PORT=0 and
 * LOG_LEVEL=info), so a developer's own OMS settings cannot leak in.
 */
export function spawnGateway(
  env: Record<string, string> = {},
  args = ["--import", "tsx", "src/main.ts"],
  cwd?: string,
): GatewayProcess {
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? "", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
    cwd,
  });
  children.push(child);
  let text = "";
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  return { child, output: () => text };
}

/** Spawns the gateway and waits until it listens; rejects with its output if it exits first. */
export async function startGatewayProcess(
  env: Record<string, string> = {},
  args?: string[],
  cwd?: string,
): Promise<StartedGateway> {
  const gateway = spawnGateway(env, args, cwd);
  const graphqlUrl = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"graphql":"(http:\/\/127\.0\.0\.1:\d+\/graphql)"/.exec(gateway.output());
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 20);
    gateway.child.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`gateway exited with ${code}:\n${gateway.output()}`));
    });
  });
  return { ...gateway, graphqlUrl };
}
