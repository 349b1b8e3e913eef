/**
 * The standalone simulator's settings. It is a program of its own, so it reads only its own
 * variables and never the gateway's: it starts the same way whatever NODE_ENV says, with or
 * without the gateway's settings in the environment. Every problem is reported at once.
 */
import { isIP } from "node:net";

export interface SimulatorConfig {
  host: string;
  port: number;
  latencyMs: number;
  /** One line per answered /api request on stdout. */
  accessLog: boolean;
}

export class SimulatorConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "SimulatorConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const HOSTNAME =
  /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

function readInt(env: Env, name: string, fallback: number, max: number, problems: string[]): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > max) {
    problems.push(`${name} must be an integer from 0 to ${max}, got "${value}".`);
    return fallback;
  }
  return n;
}

function readBoolean(env: Env, name: string, problems: string[]): boolean {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined || value === "" || value === "false") return false;
  if (value === "true") return true;
  problems.push(`${name} must be true or false, got "${env[name]}".`);
  return false;
}

function readHost(env: Env, problems: string[]): string {
  const value = env.HOST?.trim() || "127.0.0.1";
  if (isIP(value) === 0 && !HOSTNAME.test(value)) {
    problems.push(`HOST must be an IP address or a host name, got "${value}".`);
  }
  return value;
}

/**
 * Reads HOST, OMS_SIMULATOR_PORT, OMS_SIMULATOR_LATENCY_MS and OMS_SIMULATOR_ACCESS_LOG; throws with the whole list of problems. */
export function loadSimulatorConfig(env: Env): SimulatorConfig {
  const problems: string[] = [];
  const config = {
    host: readHost(env, problems),
    port: readInt(env, "OMS_SIMULATOR_PORT", 4010, 65_535, problems),
    latencyMs: readInt(env, "OMS_SIMULATOR_LATENCY_MS", 0, 60_000, problems),
    accessLog: readBoolean(env, "OMS_SIMULATOR_ACCESS_LOG", problems),
  };
  if (problems.length > 0) throw new SimulatorConfigError(problems);
  return config;
}
