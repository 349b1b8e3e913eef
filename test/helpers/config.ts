/**
 * What the configuration specs share: the problems loadConfig reports for an environment, and values
 * valid in production (a real OMS, a caller key, a router secret).
 */
import { expect } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

// Private: loadConfig must throw; the error is returned so its problems can be asserted one by one.
export function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

export const REAL_OMS = { OMS_BASE_URL: "https://acme-oms.akinon.net", OMS_API_TOKEN: "tok-123" };
/** Long enough for production (16 characters or more). */
export const KEY = "caller-key-0123456789";
export const SECRET = "router-secret-0123456789";
