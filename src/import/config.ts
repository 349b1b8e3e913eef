/**
 * The import's settings. The import is a program of its own, run on an integrator's machine far
 * from the gateway: it reads only its own IMPORT_* variables, never the gateway's, so a gateway
 * setting in the same environment can neither break it nor change what it does. Every problem is
 * reported at once.
 */

export interface ImportConfig {
  /** The gateway's /graphql URL. */
  gatewayUrl: string;
  /** Sent as `Authorization: Bearer <key>` when set. */
  apiKey: string | null;
  /** Inputs per bulk call. */
  chunkSize: number;
  /**
   * Bulk calls in flight at once. Two keep the gateway's command slots busy across a chunk's end (the
   * next chunk's package reads overlap the last commands of the one before); the gateway's
   * BULK_CONCURRENCY still bounds what reaches the OMS.
   */
  chunksInFlight: number;
  /** Deadline of one bulk call, in ms. */
  timeoutMs: number;
  /** Rounds over the rows known not applied within one run, the first included. */
  retryAttempts: number;
  /** The wait before the second round, doubled for each further one. */
  retryDelayMs: number;
}

export class ImportConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ImportConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_GATEWAY_URL = "http://127.0.0.1:4000/graphql";

/**
 * Reads IMPORT_GATEWAY_URL, IMPORT_API_KEY, IMPORT_CHUNK_SIZE, IMPORT_CHUNKS_IN_FLIGHT, IMPORT_TIMEOUT_MS,
 * IMPORT_RETRY_ATTEMPTS and IMPORT_RETRY_DELAY_MS from `env` (the process environment, handed over
 * whole by main.ts, or a literal in tests).
 * @throws ImportConfigError listing every invalid value
 */
export function loadImportConfig(env: Env): ImportConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number) =>
    readInt(env, name, { fallback, min, max }, problems);
  const config: ImportConfig = {
    gatewayUrl: readGatewayUrl(env, problems),
    apiKey: env.IMPORT_API_KEY?.trim() || null,
    chunkSize: int("IMPORT_CHUNK_SIZE", 100, 1, 10_000),
    chunksInFlight: int("IMPORT_CHUNKS_IN_FLIGHT", 2, 1, 8),
    timeoutMs: int("IMPORT_TIMEOUT_MS", 120_000, 1_000, 3_600_000),
    retryAttempts: int("IMPORT_RETRY_ATTEMPTS", 5, 1, 20),
    retryDelayMs: int("IMPORT_RETRY_DELAY_MS", 1_000, 0, 60_000),
  };
  if (problems.length > 0) throw new ImportConfigError(problems);
  return Object.freeze(config);
}

// Private: unset or blank means the default; a bad value is reported and the default kept, so the
// other variables are still checked.
function readInt(
  env: Env,
  name: string,
  range: { fallback: number; min: number; max: number },
  problems: string[],
): number {
  const value = env[name]?.trim();
  if (value === undefined || value === "") return range.fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < range.min || n > range.max) {
    problems.push(`${name} must be an integer from ${range.min} to ${range.max}, got "${value}".`);
    return range.fallback;
  }
  return n;
}

function readGatewayUrl(env: Env, problems: string[]): string {
  const url = env.IMPORT_GATEWAY_URL?.trim() || DEFAULT_GATEWAY_URL;
  if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) {
    problems.push(
      `IMPORT_GATEWAY_URL must be the gateway's http(s) /graphql URL, got "${withoutCredentials(url)}".`,
    );
  }
  return url;
}

// Private: the URL is echoed in the message, which may end up in a CI log.
function withoutCredentials(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//***@");
}
