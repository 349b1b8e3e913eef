/**
 * loadConfig reading every valid form of each variable: lists, pairs, bounds, units and the
 * settings that depend on each other.
 */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.js";
import { KEY, problemsOf, REAL_OMS, SECRET } from "../helpers/config.js";

describe("loadConfig valid forms", () => {
  it("reads OMS_SHIPMENT_TRANSITIONS as status:id pairs, case- and space-insensitive", () => {
    const config = loadConfig({ OMS_SHIPMENT_TRANSITIONS: " PACKED : 7 , shipped:8,,Delivered:9 " });
    expect(config.oms.transitions).toEqual({
      kind: "perStatus",
      byStatus: new Map([
        ["packed", 7],
        ["shipped", 8],
        ["delivered", 9],
      ]),
    });
  });

  it("reads a bare OMS_SHIPMENT_TRANSITIONS id as one transition for every status", () => {
    expect(loadConfig({ OMS_SHIPMENT_TRANSITIONS: " 77 " }).oms.transitions).toEqual({
      kind: "single",
      id: 77,
    });
    expect(loadConfig({ ...REAL_OMS, OMS_SHIPMENT_TRANSITIONS: "5" }).oms.transitions).toEqual({
      kind: "single",
      id: 5,
    });
  });

  it("reads OMS_STATUS_MAP as enum_value:status pairs", () => {
    const config = loadConfig({ OMS_STATUS_MAP: "600:shipped, 700:Delivered,500:delivery_failed" });
    expect([...config.oms.statusMap]).toEqual([
      ["600", "shipped"],
      ["700", "delivered"],
      ["500", "delivery_failed"],
    ]);
  });

  it("reads OMS_PACKAGE_IDS_PARAM: another name, or empty for one read per id", () => {
    expect(loadConfig({ OMS_PACKAGE_IDS_PARAM: " pk__in " }).oms.packageIdsParam).toBe("pk__in");
    expect(loadConfig({ OMS_PACKAGE_IDS_PARAM: "" }).oms.packageIdsParam).toBeNull();
    expect(loadConfig({ OMS_PACKAGE_IDS_PARAM: "  " }).oms.packageIdsParam).toBeNull();
  });

  it("reads OMS_PACKAGE_FILTER_PARAMS as field:param pairs over the defaults; field: turns one off", () => {
    const config = loadConfig({
      OMS_PACKAGE_FILTER_PARAMS: " orderNumber : order_number ,status:,, createdAfter:created__gte",
    });
    expect(config.oms.packageFilterParams).toEqual({
      status: null,
      cargoCompanyId: "shipment__cargo_company",
      orderNumber: "order_number",
      createdAfter: "created__gte",
      createdBefore: "created_date__lte",
    });
  });

  it("accepts another OMS_AUTH_SCHEME word", () => {
    expect(loadConfig({ OMS_AUTH_SCHEME: "Bearer" }).oms.authScheme).toBe("Bearer");
  });

  it("reads CORS_ORIGINS and API_KEYS as comma-separated lists, dropping blanks", () => {
    const config = loadConfig({
      CORS_ORIGINS: "https://app.example.com, http://localhost:5173,,",
      API_KEYS: " key-1 ,key-2,, key-3",
    });
    expect(config.corsOrigins).toEqual(["https://app.example.com", "http://localhost:5173"]);
    expect(config.apiKeys).toEqual(["key-1", "key-2", "key-3"]);
  });

  it("strips trailing slashes from OMS_BASE_URL and keeps a path prefix", () => {
    expect(loadConfig({ ...REAL_OMS, OMS_BASE_URL: "https://acme-oms.akinon.net/" }).oms.baseUrl).toBe(
      "https://acme-oms.akinon.net",
    );
    expect(loadConfig({ ...REAL_OMS, OMS_BASE_URL: "http://10.0.0.5:8080/oms//" }).oms.baseUrl).toBe(
      "http://10.0.0.5:8080/oms",
    );
  });

  it("reads the remaining variables at their bounds", () => {
    const config = loadConfig({
      ...REAL_OMS,
      NODE_ENV: "test",
      HOST: "0.0.0.0",
      PORT: "0",
      OMS_CARGO_COMPANIES_PATH: "/api/v2/cargos/",
      OMS_TIMEOUT_MS: "50",
      OMS_MAX_CONNECTIONS: "1024",
      ROUTER_SECRET: " router-secret ",
      LOG_LEVEL: "silent",
      MAX_BODY_BYTES: "10000000",
    });
    expect(config).toMatchObject({
      nodeEnv: "test",
      production: false,
      host: "0.0.0.0",
      port: 0,
      routerSecret: "router-secret",
      logLevel: "silent",
      maxBodyBytes: 10_000_000,
    });
    expect(config.oms.cargoCompaniesPath).toBe("/api/v2/cargos/");
    expect(config.oms.timeoutMs).toBe(50);
    expect(config.oms.maxConnections).toBe(1024);
    expect(loadConfig({ OMS_TIMEOUT_MS: "29000" }).oms.timeoutMs).toBe(29_000);
  });

  it("reads the incoming connection limits and the metrics settings", () => {
    const config = loadConfig({
      MAX_CONNECTIONS: "50",
      HTTP_HEADERS_TIMEOUT_MS: "2000",
      HTTP_REQUEST_TIMEOUT_MS: "5000",
      METRICS_TOKEN: " scrape-token ",
      METRICS_PORT: "9464",
    });
    expect(config.http).toEqual({ maxConnections: 50, headersTimeoutMs: 2000, requestTimeoutMs: 5000 });
    expect(config.metrics).toEqual({ token: "scrape-token", port: 9464 });
    expect(loadConfig({ METRICS_PORT: "0" }).metrics.port).toBe(0);
  });

  it("sizes the default body limit for BULK_MAX_ITEMS inputs, and keeps an explicit MAX_BODY_BYTES", () => {
    expect(loadConfig({ BULK_MAX_ITEMS: "1000" }).maxBodyBytes).toBe(64_000 + 1000 * 2048);
    expect(loadConfig({ BULK_MAX_ITEMS: "1000", MAX_BODY_BYTES: "200000" }).maxBodyBytes).toBe(200_000);
  });

  it("refuses a request deadline shorter than the header deadline, and METRICS_PORT equal to PORT", () => {
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: "20000", HTTP_REQUEST_TIMEOUT_MS: "10000" })).toEqual([
      "HTTP_REQUEST_TIMEOUT_MS (10000) must not be shorter than HTTP_HEADERS_TIMEOUT_MS (20000).",
    ]);
    expect(problemsOf({ PORT: "4000", METRICS_PORT: "4000" })).toEqual([
      "METRICS_PORT must differ from PORT (both are 4000); leave it unset to serve /metrics on PORT.",
    ]);
  });

  it("reads the cargo company cache and catalogue settings in seconds", () => {
    const config = loadConfig({
      CARGO_COMPANIES_TTL_SECONDS: "0",
      CARGO_COMPANIES_MAX_STALE_SECONDS: "604800",
      CARGO_COMPANIES_FILE: " ./catalogue/cargo.json ",
    });
    expect(config.cargoCompanies).toEqual({
      ttlMs: 0,
      maxStaleMs: 604_800_000,
      file: "./catalogue/cargo.json",
    });
    expect(loadConfig({ CARGO_COMPANIES_TTL_SECONDS: "86400" }).cargoCompanies.ttlMs).toBe(86_400_000);
  });

  it.each([
    ["false", false],
    ["0", false],
    ["FALSE", false],
    ["true", true],
    ["1", true],
    ["True", true],
  ])("reads SUBGRAPH_ENABLED=%s as %s", (value, enabled) => {
    expect(loadConfig({ SUBGRAPH_ENABLED: value }).subgraph.enabled).toBe(enabled);
  });

  it("reads MAX_ENTITY_REPRESENTATIONS at its bounds", () => {
    expect(loadConfig({ MAX_ENTITY_REPRESENTATIONS: "1" }).subgraph.maxEntityRepresentations).toBe(1);
    expect(loadConfig({ MAX_ENTITY_REPRESENTATIONS: "100000" }).subgraph.maxEntityRepresentations).toBe(
      100_000,
    );
  });

  it("accepts a complete production configuration", () => {
    const config = loadConfig({ ...REAL_OMS, NODE_ENV: "production", API_KEYS: KEY, ROUTER_SECRET: SECRET });
    expect(config.production).toBe(true);
    expect(config.nodeEnv).toBe("production");
  });
});
