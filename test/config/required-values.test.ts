/**
 * loadConfig's required values in production: the OMS, a caller check (API keys or a JWT key set), the
 * router secret, secrets of at least 16 characters, and no secret echoed in a ConfigError.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { KEY, problemsOf, REAL_OMS, SECRET } from "../helpers/config.js";

describe("loadConfig required values", () => {
  it("requires OMS_BASE_URL, a caller check and ROUTER_SECRET in production", () => {
    const problems = problemsOf({ NODE_ENV: "production" });
    expect(problems).toEqual([
      "OMS_BASE_URL is required in production (the embedded simulator is for development only).",
      "API_KEYS or JWT_JWKS_URL is required in production: /graphql must check its callers.",
      "ROUTER_SECRET is required in production while the subgraph is enabled (or set SUBGRAPH_ENABLED=false).",
    ]);
  });

  it("requires a caller check in production even with an OMS", () => {
    expect(
      problemsOf({ ...REAL_OMS, NODE_ENV: "production", API_KEYS: " , ", ROUTER_SECRET: SECRET }),
    ).toEqual(["API_KEYS or JWT_JWKS_URL is required in production: /graphql must check its callers."]);
  });

  it("accepts a JWT key set instead of API keys in production, with issuer and audience pinned", () => {
    const jwt = { JWT_JWKS_URL: "https://login.example.com/.well-known/jwks.json" };
    const base = { ...REAL_OMS, NODE_ENV: "production", ROUTER_SECRET: SECRET };
    expect(problemsOf({ ...base, ...jwt })).toEqual([
      "JWT_ISSUER is required with JWT_JWKS_URL.",
      "JWT_AUDIENCE is required with JWT_JWKS_URL.",
    ]);
    const config = loadConfig({
      ...base,
      ...jwt,
      JWT_ISSUER: "https://login.example.com/",
      JWT_AUDIENCE: "oms-graph",
    });
    expect(config.jwt).toEqual({
      jwksUrl: "https://login.example.com/.well-known/jwks.json",
      issuer: "https://login.example.com/",
      audience: "oms-graph",
      algorithms: ["RS256", "ES256"],
    });
    expect(
      problemsOf({ ...base, ...jwt, JWT_ISSUER: "i", JWT_AUDIENCE: "a", JWT_ALGORITHMS: "HS256,none" }),
    ).toEqual([
      'JWT_ALGORITHMS: "HS256" is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.',
      'JWT_ALGORITHMS: "none" is not one of RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, ES512, EdDSA.',
    ]);
  });

  it("lets production run without ROUTER_SECRET when the subgraph is off", () => {
    const config = loadConfig({
      ...REAL_OMS,
      NODE_ENV: "production",
      API_KEYS: KEY,
      SUBGRAPH_ENABLED: "false",
    });
    expect(config.subgraph.enabled).toBe(false);
    expect(config.routerSecret).toBeNull();
  });

  it("refuses every API key, a router secret and a metrics token shorter than 16 characters in production, without quoting them", () => {
    const env = {
      ...REAL_OMS,
      NODE_ENV: "production",
      API_KEYS: `k1,${KEY},abc-def`,
      ROUTER_SECRET: "r0uter",
      METRICS_TOKEN: "scrape",
    };
    const problems = problemsOf(env);
    expect(problems).toEqual([
      "API_KEYS: entry 1 of 3 has 2 characters; production needs at least 16.",
      "API_KEYS: entry 3 of 3 has 7 characters; production needs at least 16.",
      "ROUTER_SECRET has 6 characters; production needs at least 16.",
      "METRICS_TOKEN has 6 characters; production needs at least 16.",
    ]);
    expect(problems.join("\n")).not.toMatch(/k1|abc-def|r0uter|scrape/);
    // Outside production, short keys are fine for trying things out.
    expect(loadConfig({ ...env, NODE_ENV: "development" }).apiKeys).toEqual(["k1", KEY, "abc-def"]);
  });

  it("accepts secrets of exactly 16 characters in production", () => {
    const sixteen = "0123456789abcdef";
    const config = loadConfig({
      ...REAL_OMS,
      NODE_ENV: "production",
      API_KEYS: sixteen,
      ROUTER_SECRET: sixteen,
    });
    expect(config.apiKeys).toEqual([sixteen]);
  });

  it("requires OMS_API_TOKEN with OMS_BASE_URL", () => {
    expect(problemsOf({ OMS_BASE_URL: "https://acme-oms.akinon.net" })).toEqual([
      "OMS_API_TOKEN is required when OMS_BASE_URL is set.",
    ]);
    expect(problemsOf({ OMS_BASE_URL: "https://acme-oms.akinon.net", OMS_API_TOKEN: "   " })).toEqual([
      "OMS_API_TOKEN is required when OMS_BASE_URL is set.",
    ]);
  });

  it("never puts the OMS_API_TOKEN value into the ConfigError", () => {
    const token = "tok-9f8e7d6c5b4a-secret";
    let error: unknown;
    try {
      loadConfig({
        OMS_BASE_URL: "https://acme-oms.akinon.net",
        OMS_API_TOKEN: token,
        NODE_ENV: "production",
        OMS_AUTH_SCHEME: "Token extra",
        OMS_TIMEOUT_MS: "0",
        OMS_SHIPMENT_TRANSITIONS: "packed:nope",
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const configError = error as ConfigError;
    expect(configError.problems).toHaveLength(5);
    expect(configError.message).not.toContain(token);
    expect(configError.problems.join("\n")).not.toContain(token);
    expect(JSON.stringify(configError)).not.toContain(token);
    expect(String(configError.stack)).not.toContain(token);
  });
});
