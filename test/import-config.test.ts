/**
 * The import's own settings: only IMPORT_* variables are read, every problem is listed at once,
 * and the gateway's settings in the same environment change nothing.
 */
import { describe, expect, it } from "vitest";
import { ImportConfigError, loadImportConfig } from "../src/import/config.js";

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadImportConfig(env);
  } catch (error) {
    if (error instanceof ImportConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe("loadImportConfig", () => {
  it("has the documented defaults", () => {
    expect(loadImportConfig({})).toStrictEqual({
      gatewayUrl: "http://127.0.0.1:4000/graphql",
      apiKey: null,
      chunkSize: 100,
      chunksInFlight: 2,
      timeoutMs: 120_000,
      retryAttempts: 5,
      retryDelayMs: 1_000,
    });
  });

  it("reads every IMPORT_ variable, trimmed", () => {
    const config = loadImportConfig({
      IMPORT_GATEWAY_URL: " https://gateway.example.com/graphql ",
      IMPORT_API_KEY: " key-1 ",
      IMPORT_CHUNK_SIZE: "250",
      IMPORT_CHUNKS_IN_FLIGHT: " 3 ",
      IMPORT_TIMEOUT_MS: "5000",
      IMPORT_RETRY_ATTEMPTS: "1",
      IMPORT_RETRY_DELAY_MS: "0",
    });
    expect(config).toStrictEqual({
      gatewayUrl: "https://gateway.example.com/graphql",
      apiKey: "key-1",
      chunkSize: 250,
      chunksInFlight: 3,
      timeoutMs: 5_000,
      retryAttempts: 1,
      retryDelayMs: 0,
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("lists every problem at once, without the credentials of a URL", () => {
    expect(
      problems({
        IMPORT_GATEWAY_URL: "ftp://user:secret@example.com/graphql",
        IMPORT_CHUNK_SIZE: "0",
        IMPORT_CHUNKS_IN_FLIGHT: "9",
        IMPORT_TIMEOUT_MS: "fast",
        IMPORT_RETRY_ATTEMPTS: "21",
        IMPORT_RETRY_DELAY_MS: "-1",
      }),
    ).toStrictEqual([
      'IMPORT_GATEWAY_URL must be the gateway\'s http(s) /graphql URL, got "ftp://***@example.com/graphql".',
      'IMPORT_CHUNK_SIZE must be an integer from 1 to 10000, got "0".',
      'IMPORT_CHUNKS_IN_FLIGHT must be an integer from 1 to 8, got "9".',
      'IMPORT_TIMEOUT_MS must be an integer from 1000 to 3600000, got "fast".',
      'IMPORT_RETRY_ATTEMPTS must be an integer from 1 to 20, got "21".',
      'IMPORT_RETRY_DELAY_MS must be an integer from 0 to 60000, got "-1".',
    ]);
  });

  it("ignores the gateway's settings, even ones the gateway would refuse", () => {
    const gateway = {
      NODE_ENV: "production",
      OMS_BASE_URL: "not a url",
      PORT: "99999",
      BULK_MAX_ITEMS: "0",
      API_KEYS: "",
    };
    expect(problems(gateway)).toStrictEqual([]);
    expect(loadImportConfig(gateway)).toStrictEqual(loadImportConfig({}));
  });
});
