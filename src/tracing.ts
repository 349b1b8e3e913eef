/**
 * OpenTelemetry tracing for the process. With no exporter configured nothing is loaded: every span
 * the gateway starts comes from the API's no-op tracer and costs next to nothing. With one, the
 * OpenTelemetry SDK is registered globally (tracer provider, AsyncLocalStorage context, W3C trace
 * context propagation), and spans are batched to the OTLP endpoint or printed.
 *
 * The spans themselves are started where their work is, through @opentelemetry/api: the HTTP
 * request (http/request-span.ts), the GraphQL operation and the resolvers that may call the OMS
 * (graphql/http-request.ts, graphql/instrumented-fields.ts), and each OMS call (oms/call-trace.ts).
 */
import { context, propagation, trace } from "@opentelemetry/api";
import type { TracingConfig } from "./config-tracing.js";
import type { Logger } from "./logger.js";

/** The tracer name every span of the gateway is started with. */
export const TRACER_NAME = "oms-graph";

export interface Tracing {
  /** Sends the spans still buffered, then unregisters the SDK. */
  shutdown(): Promise<void>;
}

// Private: one provider per process (the API's registration is global).
let running: Tracing | null = null;

/**
 * Whether this process traces. The gateway's span sites ask first and, when it does not, run their
 * work bare: even the API's no-op spans cost closures, strings and a context switch per call, a few
 * microseconds a request that an untraced gateway need not pay.
 */
export function tracingOn(): boolean {
  return running !== null;
}

/**
 * Starts the SDK when the configuration names an exporter.
 * @returns null when tracing is off.
 * @throws Error when tracing was started already in this process and not shut down.
 */
export async function startTracing(config: TracingConfig, log: Logger): Promise<Tracing | null> {
  if (config.exporter === null) return null;
  if (running !== null) throw new Error("Tracing is already running in this process.");
  // Loaded only now: a gateway without tracing never evaluates the SDK.
  const [{ NodeTracerProvider }, base, { resourceFromAttributes }] = await Promise.all([
    import("@opentelemetry/sdk-trace-node"),
    import("@opentelemetry/sdk-trace-base"),
    import("@opentelemetry/resources"),
  ]);
  const exporter = await createExporter(config.exporter, base.ConsoleSpanExporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      ...config.resourceAttributes,
      "service.name": config.serviceName,
    }),
    sampler: createSampler(config, base),
    spanProcessors: [new base.BatchSpanProcessor(exporter)],
  });
  provider.register();
  const where = config.exporter.kind === "otlp" ? config.exporter.url : "stdout";
  log.info({ exporter: config.exporter.kind, where, sampler: config.sampler }, "tracing on");
  const tracing: Tracing = {
    async shutdown() {
      if (running !== tracing) return;
      running = null;
      await provider.shutdown().catch((err: unknown) => log.warn({ err }, "tracing: last spans not sent"));
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  running = tracing;
  return tracing;
}

// Private: the OTLP exporters read further OTEL_EXPORTER_OTLP_* settings (timeout, compression,
// certificates) themselves; what is given here takes precedence over their own reading.
async function createExporter(
  exporter: NonNullable<TracingConfig["exporter"]>,
  Console: typeof import("@opentelemetry/sdk-trace-base").ConsoleSpanExporter,
) {
  if (exporter.kind === "console") return new Console();
  const options = { url: exporter.url, headers: { ...exporter.headers } };
  if (exporter.protocol === "http/json") {
    const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-http");
    return new OTLPTraceExporter(options);
  }
  const { OTLPTraceExporter } = await import("@opentelemetry/exporter-trace-otlp-proto");
  return new OTLPTraceExporter(options);
}

function createSampler(config: TracingConfig, base: typeof import("@opentelemetry/sdk-trace-base")) {
  const ratio = new base.TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case "always_on":
      return new base.AlwaysOnSampler();
    case "always_off":
      return new base.AlwaysOffSampler();
    case "traceidratio":
      return ratio;
    case "parentbased_always_off":
      return new base.ParentBasedSampler({ root: new base.AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new base.ParentBasedSampler({ root: ratio });
    default:
      return new base.ParentBasedSampler({ root: new base.AlwaysOnSampler() });
  }
}
