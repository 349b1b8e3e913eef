/**
 * Tracing settings from the standard OpenTelemetry variables (OTEL_*), read here like every other
 * setting so a mistake stops start-up with the rest. Tracing is off unless an exporter is asked for:
 * an OTLP endpoint, or OTEL_TRACES_EXPORTER.
 */
import type { Env } from "./config-values.js";

export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

export type TraceExporter =
  | {
      kind: "otlp";
      /** Where spans are posted, e.g. http://collector:4318/v1/traces. */
      url: string;
      protocol: "http/protobuf" | "http/json";
      /** Sent with every export (often a credential): never logged. */
      headers: Readonly<Record<string, string>>;
    }
  | { kind: "console" };

export interface TracingConfig {
  /** null: tracing is off; no SDK is loaded and spans are the API's no-ops. */
  exporter: TraceExporter | null;
  serviceName: string;
  /** OTEL_RESOURCE_ATTRIBUTES, e.g. deployment.environment.name=prod. */
  resourceAttributes: Readonly<Record<string, string>>;
  sampler: SamplerName;
  /** The ratio of the ratio samplers, 0 to 1. */
  samplerRatio: number;
}

const SAMPLERS: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];
const DEFAULT_OTLP_URL = "http://localhost:4318/v1/traces";

export function readTracing(env: Env, problems: string[]): TracingConfig {
  const get = (name: string) => env[name]?.trim() || undefined;
  const sampler = (get("OTEL_TRACES_SAMPLER") ?? "parentbased_always_on") as SamplerName;
  if (!SAMPLERS.includes(sampler)) {
    problems.push(`OTEL_TRACES_SAMPLER must be one of ${SAMPLERS.join(", ")}, got "${sampler}".`);
  }
  const ratioText = get("OTEL_TRACES_SAMPLER_ARG");
  const ratio = ratioText === undefined ? 1 : Number(ratioText);
  if (!(ratio >= 0 && ratio <= 1)) {
    problems.push(`OTEL_TRACES_SAMPLER_ARG must be a number from 0 to 1, got "${ratioText}".`);
  }
  const resourceAttributes = keyValues(env, "OTEL_RESOURCE_ATTRIBUTES", problems);
  return {
    exporter: readExporter(env, get, problems),
    serviceName: get("OTEL_SERVICE_NAME") ?? resourceAttributes["service.name"] ?? "oms-graph",
    resourceAttributes,
    sampler: SAMPLERS.includes(sampler) ? sampler : "parentbased_always_on",
    samplerRatio: ratio >= 0 && ratio <= 1 ? ratio : 1,
  };
}

function readExporter(
  env: Env,
  get: (name: string) => string | undefined,
  problems: string[],
): TraceExporter | null {
  if (get("OTEL_SDK_DISABLED")?.toLowerCase() === "true") return null;
  const tracesUrl = get("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
  const baseUrl = get("OTEL_EXPORTER_OTLP_ENDPOINT");
  // The specification's default exporter is OTLP; here an endpoint is what asks for it, so that a
  // gateway started without any OTEL_* variable sends nothing anywhere.
  const name = get("OTEL_TRACES_EXPORTER") ?? (tracesUrl || baseUrl ? "otlp" : "none");
  if (name === "none") return null;
  if (name === "console") return { kind: "console" };
  if (name !== "otlp") {
    problems.push(`OTEL_TRACES_EXPORTER must be otlp, console or none, got "${name}".`);
    return null;
  }
  // A signal's own endpoint is used as it is; the general one gets the signal's path appended.
  const url = tracesUrl ?? (baseUrl ? `${baseUrl.replace(/\/+$/, "")}/v1/traces` : DEFAULT_OTLP_URL);
  const variable = tracesUrl ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT" : "OTEL_EXPORTER_OTLP_ENDPOINT";
  if (!URL.canParse(url) || !["http:", "https:"].includes(new URL(url).protocol)) {
    problems.push(`${variable} must be an http(s) URL such as http://collector:4318.`);
  }
  const protocol =
    get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") ?? get("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "http/protobuf";
  if (protocol !== "http/protobuf" && protocol !== "http/json") {
    problems.push(
      `OTEL_EXPORTER_OTLP_PROTOCOL must be http/protobuf or http/json (gRPC is not built in), got "${protocol}".`,
    );
  }
  return {
    kind: "otlp",
    url,
    protocol: protocol === "http/json" ? "http/json" : "http/protobuf",
    headers: {
      ...keyValues(env, "OTEL_EXPORTER_OTLP_HEADERS", problems),
      ...keyValues(env, "OTEL_EXPORTER_OTLP_TRACES_HEADERS", problems),
    },
  };
}

// Private: the W3C Baggage-like `key=value,key=value` lists of OTEL_*_HEADERS and
// OTEL_RESOURCE_ATTRIBUTES, values percent-decoded. A malformed one is reported by name only: header
// values are often credentials.
function keyValues(env: Env, name: string, problems: string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (const item of (env[name] ?? "").split(",")) {
    if (item.trim() === "") continue;
    const at = item.indexOf("=");
    const key = at > 0 ? item.slice(0, at).trim() : "";
    let value: string | undefined;
    try {
      value = decodeURIComponent(item.slice(at + 1).trim());
    } catch {
      value = undefined;
    }
    if (key === "" || value === undefined) {
      problems.push(`${name} must be a list of key=value pairs separated by commas.`);
      return {};
    }
    pairs[key] = value;
  }
  return pairs;
}
