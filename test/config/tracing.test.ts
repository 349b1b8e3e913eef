/**
 * The standard OpenTelemetry variables as loadConfig reads them: tracing off without any, OTLP when
 * an endpoint is set, the endpoint rules of the specification, and mistakes listed with the rest
 * without echoing header values (they are often credentials).
 */
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config.js";

const problemsOf = (env: Record<string, string>): readonly string[] => {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe("tracing settings", () => {
  it("are off with no OTEL_* variable, and with OTEL_SDK_DISABLED or OTEL_TRACES_EXPORTER=none", () => {
    expect(loadConfig({}).tracing).toEqual({
      exporter: null,
      serviceName: "oms-graph",
      resourceAttributes: {},
      sampler: "parentbased_always_on",
      samplerRatio: 1,
    });
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318" };
    expect(loadConfig({ ...endpoint, OTEL_SDK_DISABLED: "true" }).tracing.exporter).toBeNull();
    expect(loadConfig({ ...endpoint, OTEL_TRACES_EXPORTER: "none" }).tracing.exporter).toBeNull();
  });

  it("export by OTLP/protobuf to the endpoint's /v1/traces, or to the traces endpoint as given", () => {
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318/" }).tracing.exporter).toEqual({
      kind: "otlp",
      url: "http://collector:4318/v1/traces",
      protocol: "http/protobuf",
      headers: {},
    });
    const both = {
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "https://traces.example.com/custom",
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    };
    expect(loadConfig(both).tracing.exporter).toMatchObject({
      url: "https://traces.example.com/custom",
      protocol: "http/json",
    });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: "otlp" }).tracing.exporter).toMatchObject({
      url: "http://localhost:4318/v1/traces",
    });
    expect(loadConfig({ OTEL_TRACES_EXPORTER: "console" }).tracing.exporter).toEqual({ kind: "console" });
  });

  it("read headers, resource attributes, the service name and the sampler", () => {
    const tracing = loadConfig({
      OTEL_EXPORTER_OTLP_ENDPOINT: "http://collector:4318",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Basic%20abc,x-team=ops",
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-team=shipping",
      OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=prod,service.name=ignored",
      OTEL_SERVICE_NAME: "oms-graph-eu",
      OTEL_TRACES_SAMPLER: "parentbased_traceidratio",
      OTEL_TRACES_SAMPLER_ARG: "0.25",
    }).tracing;
    expect(tracing.exporter).toMatchObject({ headers: { authorization: "Basic abc", "x-team": "shipping" } });
    expect(tracing.serviceName).toBe("oms-graph-eu");
    expect(tracing.resourceAttributes).toEqual({
      "deployment.environment.name": "prod",
      "service.name": "ignored",
    });
    expect(tracing).toMatchObject({ sampler: "parentbased_traceidratio", samplerRatio: 0.25 });
    expect(loadConfig({ OTEL_RESOURCE_ATTRIBUTES: "service.name=from-resource" }).tracing.serviceName).toBe(
      "from-resource",
    );
  });

  it("refuse what the gateway cannot do, listing every problem and no header value", () => {
    const problems = problemsOf({
      OTEL_TRACES_EXPORTER: "otlp",
      OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://collector",
      OTEL_EXPORTER_OTLP_PROTOCOL: "grpc",
      OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%ZZsecret-token",
      OTEL_TRACES_SAMPLER: "sometimes",
      OTEL_TRACES_SAMPLER_ARG: "2",
    });
    expect(problems).toEqual([
      'OTEL_TRACES_SAMPLER must be one of always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio, got "sometimes".',
      'OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "2".',
      "OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL such as http://collector:4318.",
      'OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (gRPC is not built in), got "grpc".',
      "OTEL_EXPORTER_OTLP_HEADERS must be a list of key=value pairs separated by commas.",
    ]);
    expect(problems.join("\n")).not.toContain("secret-token");
    expect(problemsOf({ OTEL_TRACES_EXPORTER: "jaeger" })).toEqual([
      'OTEL_TRACES_EXPORTER must be otlp, console or none, got "jaeger".',
    ]);
  });
});
