/**
 * The standalone simulator as `npm run oms:simulator` runs it, as a process of its own (through
 * tsx). Reuses the gateway's process helper, so every process is killed after each test.
 */
import { type GatewayProcess, spawnGateway } from "./gateway-process.js";

export interface StartedSimulator extends GatewayProcess {
  /** Its base URL, read from the "OMS simulator listening on" line. */
  url: string;
}

const ENTRY = ["--import", "tsx", "src/simulator/main.ts"];

/** Spawns the simulator with only PATH and what the test gives in its environment. */
export function spawnSimulator(env: Record<string, string> = {}, args = ENTRY, cwd?: string): GatewayProcess {
  return spawnGateway(env, args, cwd);
}

/** Spawns the simulator and waits until it listens; rejects with its output if it exits first. */
export async function startSimulatorProcess(
  env: Record<string, string> = {},
  args?: string[],
  cwd?: string,
): Promise<StartedSimulator> {
  const simulator = spawnSimulator(env, args, cwd);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /OMS simulator listening on (http:\/\/\S+)/.exec(simulator.output());
      if (match?.[1]) {
        clearInterval(timer);
        resolve(match[1]);
      }
    }, 20);
    simulator.child.once("exit", (code) => {
      clearInterval(timer);
      reject(new Error(`simulator exited with ${code}:\n${simulator.output()}`));
    });
  });
  return { ...simulator, url };
}

/** Resolves with the exit code once the process has ended. */
export function exitCode(program: GatewayProcess): Promise<number | null> {
  const { child } = program;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}
