import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type Config, ConfigError, loadConfig } from "../src/config.js";

// Private: loadConfig must throw; the error is returned so its problems can be asserted one by one.
function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

const REAL_OMS = { OMS_BASE_URL: "https://acme-oms.akinon.net", OMS_API_TOKEN: "tok-123" };
/** Long enough for production (16 characters or more). */
const KEY = "caller-key-0123456789";
const SECRET = "router-secret-0123456789";

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

describe("loadConfig invalid forms", () => {
  // Each row: variable, bad value, a fragment the single problem must contain.
  const rows: [string, string, string][] = [
    ["NODE_ENV", "staging", 'NODE_ENV must be one of development, production, test, got "staging"'],
    ["PORT", "abc", 'PORT must be an integer from 0 to 65535, got "abc"'],
    ["PORT", "65536", 'got "65536"'],
    ["PORT", "-1", 'got "-1"'],
    ["PORT", "80.5", 'got "80.5"'],
    ["OMS_TIMEOUT_MS", "49", 'OMS_TIMEOUT_MS must be an integer from 50 to 29000, got "49"'],
    ["OMS_TIMEOUT_MS", "29001", 'got "29001"'],
    ["OMS_TIMEOUT_MS", "10s", 'got "10s"'],
    ["OMS_MAX_CONNECTIONS", "0", "OMS_MAX_CONNECTIONS must be an integer from 1 to 1024"],
    ["MAX_BODY_BYTES", "999", "MAX_BODY_BYTES must be an integer from 1000 to 50000000"],
    ["MAX_CONNECTIONS", "0", "MAX_CONNECTIONS must be an integer from 1 to 1000000"],
    ["HTTP_HEADERS_TIMEOUT_MS", "99", "HTTP_HEADERS_TIMEOUT_MS must be an integer from 100 to 600000"],
    ["METRICS_PORT", "65536", "METRICS_PORT must be an integer from 0 to 65535"],
    [
      "LOG_LEVEL",
      "verbose",
      'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
    ],
    [
      "OMS_AUTH_SCHEME",
      "Token abc",
      'OMS_AUTH_SCHEME must be a single word such as Token or Bearer, got "Token abc"',
    ],
    ["OMS_AUTH_SCHEME", "1Token", 'got "1Token"'],
    ["OMS_CARGO_COMPANIES_PATH", "api/v1/cargos/", "OMS_CARGO_COMPANIES_PATH must be an absolute URL path"],
    ["OMS_CARGO_COMPANIES_PATH", "/cargos/?page=1", 'got "/cargos/?page=1"'],
    ["OMS_CARGO_COMPANIES_PATH", "https://other.example.com/cargos/", "must be an absolute URL path"],
    [
      "OMS_BASE_URL",
      "acme-oms.akinon.net",
      'OMS_BASE_URL must be an http(s) URL such as https://acme-oms.akinon.net, got "acme-oms.akinon.net"',
    ],
    ["OMS_BASE_URL", "ftp://acme-oms.akinon.net", "OMS_BASE_URL must be an http(s) URL"],
    [
      "OMS_BASE_URL",
      "https://user:pw@acme-oms.akinon.net",
      "OMS_BASE_URL must not contain credentials, a query or a fragment.",
    ],
    ["OMS_BASE_URL", "https://acme-oms.akinon.net/?tenant=1", "OMS_BASE_URL must not contain credentials"],
    ["OMS_BASE_URL", "https://acme-oms.akinon.net/#top", "OMS_BASE_URL must not contain credentials"],
    ["OMS_SHIPMENT_TRANSITIONS", "flying:41", 'OMS_SHIPMENT_TRANSITIONS: unknown status "flying"'],
    ["OMS_SHIPMENT_TRANSITIONS", "other:41", 'OMS_SHIPMENT_TRANSITIONS: unknown status "other"'],
    [
      "OMS_SHIPMENT_TRANSITIONS",
      "packed:abc",
      'transition id for "packed" must be a positive integer, got "abc"',
    ],
    ["OMS_SHIPMENT_TRANSITIONS", "packed:0", 'must be a positive integer, got "0"'],
    ["OMS_SHIPMENT_TRANSITIONS", "packed:-4", 'must be a positive integer, got "-4"'],
    ["OMS_SHIPMENT_TRANSITIONS", "packed:", 'must be a positive integer, got ""'],
    ["OMS_SHIPMENT_TRANSITIONS", "packed:4:5", 'must be a positive integer, got "4:5"'],
    ["OMS_SHIPMENT_TRANSITIONS", "0", 'OMS_SHIPMENT_TRANSITIONS: unknown status "0"'],
    ["OMS_STATUS_MAP", "abc:shipped", 'OMS_STATUS_MAP: "abc" is not an OMS state number (enum_value).'],
    ["OMS_STATUS_MAP", "600:flying", 'OMS_STATUS_MAP: unknown status "flying" for 600'],
    ["OMS_STATUS_MAP", "600:other", 'OMS_STATUS_MAP: unknown status "other" for 600'],
    ["OMS_STATUS_MAP", "600", 'OMS_STATUS_MAP: unknown status "" for 600'],
    ["CORS_ORIGINS", "*", 'CORS_ORIGINS: "*" is not an origin such as https://app.example.com.'],
    ["CORS_ORIGINS", "https://app.example.com/", 'CORS_ORIGINS: "https://app.example.com/" is not an origin'],
    ["CORS_ORIGINS", "app.example.com", 'CORS_ORIGINS: "app.example.com" is not an origin'],
    ["CORS_ORIGINS", "https://app.example.com/path", "is not an origin"],
    [
      "CARGO_COMPANIES_TTL_SECONDS",
      "86401",
      "CARGO_COMPANIES_TTL_SECONDS must be an integer from 0 to 86400",
    ],
    ["CARGO_COMPANIES_TTL_SECONDS", "5m", 'got "5m"'],
    [
      "CARGO_COMPANIES_MAX_STALE_SECONDS",
      "604801",
      "CARGO_COMPANIES_MAX_STALE_SECONDS must be an integer from 0 to 604800",
    ],
    ["SUBGRAPH_ENABLED", "yes", 'SUBGRAPH_ENABLED must be true or false, got "yes"'],
    ["MAX_ENTITY_REPRESENTATIONS", "0", "MAX_ENTITY_REPRESENTATIONS must be an integer from 1 to 100000"],
  ];

  it.each(rows)("%s=%j gives exactly one problem", (name, value, fragment) => {
    const base: Record<string, string> = name === "OMS_BASE_URL" ? { OMS_API_TOKEN: "tok-123" } : {};
    const problems = problemsOf({ ...base, [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(fragment);
    expect(problems[0]).toContain(name);
  });

  it("keeps valid pairs out of a partly invalid list but still refuses to start", () => {
    expect(problemsOf({ OMS_SHIPMENT_TRANSITIONS: "packed:41,flying:42,shipped:x" })).toEqual([
      expect.stringContaining('unknown status "flying"'),
      expect.stringContaining('transition id for "shipped"'),
    ]);
  });

  it("lists every problem of a configuration with many bad values in one ConfigError", () => {
    const bad: Record<string, string> = {
      NODE_ENV: "staging",
      PORT: "http",
      OMS_BASE_URL: "ftp://acme-oms.akinon.net",
      OMS_AUTH_SCHEME: "Token x",
      OMS_SHIPMENT_TRANSITIONS: "flying:41",
      OMS_STATUS_MAP: "abc:shipped",
      OMS_CARGO_COMPANIES_PATH: "cargos",
      OMS_TIMEOUT_MS: "5",
      OMS_MAX_CONNECTIONS: "0",
      CORS_ORIGINS: "*",
      LOG_LEVEL: "verbose",
      MAX_BODY_BYTES: "1",
      CARGO_COMPANIES_TTL_SECONDS: "forever",
      CARGO_COMPANIES_MAX_STALE_SECONDS: "1e3",
      SUBGRAPH_ENABLED: "maybe",
      MAX_ENTITY_REPRESENTATIONS: "100001",
    };
    let error: unknown;
    try {
      loadConfig(bad);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems, message } = error as ConfigError;
    expect(problems).toHaveLength(16);
    for (const name of Object.keys(bad)) {
      expect(
        problems.filter((problem) => problem.startsWith(name)),
        name,
      ).toHaveLength(1);
      expect(message).toContain(name);
    }
    expect((error as ConfigError).name).toBe("ConfigError");
    expect(message.startsWith("Invalid configuration:\n  - ")).toBe(true);
  });
});

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

describe("the environment is read in one place", () => {
  const srcDir = fileURLToPath(new URL("../src/", import.meta.url));
  // Process entry points hand process.env to their config loader whole; they never pick variables themselves.
  const ENTRY_POINTS: Record<string, string> = {
    "main.ts": "loadConfig(process.env",
    "simulator/main.ts": "loadSimulatorConfig(process.env",
    "import/main.ts": "loadImportConfig(process.env",
  };

  function sourceFiles(dir: string): string[] {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return sourceFiles(path);
      return entry.name.endsWith(".ts") ? [path] : [];
    });
  }

  it("finds the source files it scans", () => {
    const files = sourceFiles(srcDir).map((file) => relative(srcDir, file));
    expect(files).toContain("config.ts");
    expect(files).toContain("main.ts");
    expect(files).toContain("oms/http.ts");
  });

  it("has no file other than config.ts and the entry points mention process.env", () => {
    const offenders = sourceFiles(srcDir)
      .map((file) => relative(srcDir, file).split("\\").join("/"))
      .filter((name) => name !== "config.ts" && !(name in ENTRY_POINTS))
      .filter((name) => readFileSync(join(srcDir, name), "utf8").includes("process.env"));
    expect(offenders).toEqual([]);
  });

  it("has the entry points only pass process.env to a config loader", () => {
    for (const [name, expected] of Object.entries(ENTRY_POINTS)) {
      const code = readFileSync(join(srcDir, name), "utf8")
        .replace(/\/\*[\s\S]*?\*\//g, "")
        .replace(/\/\/.*$/gm, "");
      const uses = code.match(/[\w.(]*process\.env[\w.[]*/g) ?? [];
      expect(uses, name).toEqual([expected]);
    }
  });
});
