/**
 * loadConfig refusing invalid values: exactly one problem per bad value, and every problem of a
 * configuration listed in one ConfigError.
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";
import { problemsOf } from "../helpers/config.js";

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
    [
      "OMS_PACKAGE_IDS_PARAM",
      "id in",
      'OMS_PACKAGE_IDS_PARAM must be a query parameter name such as id__in, or empty, got "id in"',
    ],
    ["OMS_PACKAGE_IDS_PARAM", "id__in&x=1", 'got "id__in&x=1"'],
    [
      "OMS_PACKAGE_FILTER_PARAMS",
      "colour:c",
      'OMS_PACKAGE_FILTER_PARAMS: unknown filter "colour" (expected one of status, cargoCompanyId',
    ],
    ["OMS_PACKAGE_FILTER_PARAMS", "ids:id__in", 'OMS_PACKAGE_FILTER_PARAMS: unknown filter "ids"'],
    [
      "OMS_PACKAGE_FILTER_PARAMS",
      "status",
      '"status" must be status:<query parameter name>, or status: to turn it off.',
    ],
    [
      "OMS_PACKAGE_FILTER_PARAMS",
      "orderNumber:order number",
      '"orderNumber:order number" must be orderNumber:<query parameter name>',
    ],
    ["OMS_PACKAGE_FILTER_PARAMS", "orderNumber:a=b", "must be orderNumber:<query parameter name>"],
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
