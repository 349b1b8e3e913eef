/**
 * loadConfig with little or nothing set: the embedded simulator and its demo settings, the
 * documented default of every other variable, blanks read as unset; and a result frozen all the way
 * down.
 */
import { describe, expect, it } from "vitest";
import { type Config, loadConfig } from "../../src/config.js";
import { REAL_OMS } from "../helpers/config.js";

describe("loadConfig defaults", () => {
  it("runs on the embedded simulator with its demo token and transitions when OMS_BASE_URL is unset", () => {
    const config = loadConfig({});
    expect(config.oms.baseUrl).toBeNull();
    expect(config.oms.token).toBe("demo-oms-token");
    expect(config.oms.transitions.kind).toBe("perStatus");
    if (config.oms.transitions.kind !== "perStatus") return;
    expect([...config.oms.transitions.byStatus]).toEqual([
      ["packed", 41],
      ["shipped", 42],
      ["delivered", 43],
      ["attempted_delivery", 44],
    ]);
  });

  it("uses the documented defaults for every other variable", () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: "development",
      production: false,
      host: "127.0.0.1",
      port: 4000,
      apiKeys: [],
      routerSecret: null,
      corsOrigins: [],
      logLevel: "info",
      // Room for BULK_MAX_ITEMS (500) inputs at their longest: 64,000 bytes + 2,048 an item.
      maxBodyBytes: 1_088_000,
      http: { maxConnections: 1000, headersTimeoutMs: 10_000, requestTimeoutMs: 30_000 },
      metrics: { token: null, port: null },
    });
    expect(config.oms.authScheme).toBe("Token");
    expect(config.oms.timeoutMs).toBe(10_000);
    expect(config.oms.maxConnections).toBe(32);
    expect(config.oms.cargoCompaniesPath).toBe("/api/v1/oms/cargo_companies/");
    expect(config.oms.statusMap.size).toBe(0);
    expect(config.oms.packageIdsParam).toBe("id__in");
    expect(config.oms.packageFilterParams).toEqual({
      status: "state__enum_value__in",
      cargoCompanyId: "shipment__cargo_company",
      orderNumber: "order__number",
      createdAfter: "created_date__gte",
      createdBefore: "created_date__lte",
    });
    expect(config.cargoCompanies).toEqual({ ttlMs: 300_000, maxStaleMs: 3_600_000, file: null });
    expect(config.subgraph).toEqual({ enabled: true, maxEntityRepresentations: 1000 });
  });

  it("leaves the standalone simulator's settings to the simulator", () => {
    const env = { OMS_SIMULATOR_PORT: "99999", OMS_SIMULATOR_LATENCY_MS: "-5" };
    expect(loadConfig(env)).toStrictEqual(loadConfig({}));
  });

  it("treats blank values as unset", () => {
    const config = loadConfig({ OMS_BASE_URL: "  ", PORT: "", OMS_AUTH_SCHEME: " ", ROUTER_SECRET: " " });
    expect(config.oms.baseUrl).toBeNull();
    expect(config.port).toBe(4000);
    expect(config.oms.authScheme).toBe("Token");
    expect(config.routerSecret).toBeNull();
  });

  it("does not borrow the simulator's transition ids for a real OMS, whose ids are per installation", () => {
    const config = loadConfig(REAL_OMS);
    expect(config.oms.token).toBe("tok-123");
    expect(config.oms.transitions).toEqual({ kind: "perStatus", byStatus: new Map() });
  });
});

describe("loadConfig result", () => {
  it("is frozen all the way down", () => {
    const config = loadConfig({ API_KEYS: "k1", CORS_ORIGINS: "https://app.example.com" });
    const parts = [
      config,
      config.oms,
      config.oms.transitions,
      config.apiKeys,
      config.corsOrigins,
      config.cargoCompanies,
      config.subgraph,
    ];
    for (const part of parts) {
      expect(Object.isFrozen(part)).toBe(true);
    }
    const mutable = config as { -readonly [K in keyof Config]: Config[K] };
    expect(() => {
      mutable.port = 1;
    }).toThrow(TypeError);
    expect(() => (config.apiKeys as string[]).push("k2")).toThrow(TypeError);
    expect(config.port).toBe(4000);
    expect(config.apiKeys).toEqual(["k1"]);
  });
});
