/**
 * An OTLP/HTTP trace receiver in the test process, as a collector's would be on :4318: it accepts
 * `POST /v1/traces` in OTLP/JSON (read into spans) or protobuf (kept as bytes), and answers 200.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One span as OTLP/JSON carries it, attributes flattened into an object. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** 1 internal, 2 server, 3 client. */
  kind: number;
  attributes: Record<string, unknown>;
  status: { code?: number; message?: string };
  /** The resource's attributes (service.name, ...). */
  resource: Record<string, unknown>;
}

export interface OtlpReceiver {
  /** e.g. http://127.0.0.1:43123 (the OTEL_EXPORTER_OTLP_ENDPOINT) */
  url: string;
  /** Spans of the JSON exports received so far. */
  spans: ReceivedSpan[];
  /** Every export request: path, content type and raw body. */
  posts: Array<{ path: string; contentType: string; body: Buffer }>;
  close(): Promise<void>;
}

type AnyValue = {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
};
type KeyValue = { key: string; value: AnyValue };

function anyValue(value: AnyValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

function attributes(list: KeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, anyValue(value)]));
}

// Private: OTLP/JSON's nesting (resourceSpans → scopeSpans → spans), flattened.
function spansOf(body: unknown): ReceivedSpan[] {
  const resourceSpans = (body as { resourceSpans?: unknown[] }).resourceSpans ?? [];
  return resourceSpans.flatMap((entry) => {
    const { resource, scopeSpans = [] } = entry as {
      resource?: { attributes?: KeyValue[] };
      scopeSpans?: Array<{ spans?: unknown[] }>;
    };
    const resourceAttributes = attributes(resource?.attributes);
    return scopeSpans.flatMap((scope) =>
      (scope.spans ?? []).map((raw) => {
        const span = raw as Omit<ReceivedSpan, "attributes" | "resource"> & { attributes?: KeyValue[] };
        return {
          ...span,
          parentSpanId: span.parentSpanId ?? "",
          status: span.status ?? {},
          attributes: attributes(span.attributes),
          resource: resourceAttributes,
        };
      }),
    );
  });
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const posts: OtlpReceiver["posts"] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers["content-type"] ?? "";
      posts.push({ path: req.url ?? "", contentType, body });
      if (contentType.startsWith("application/json")) {
        spans.push(...spansOf(JSON.parse(body.toString("utf8"))));
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      } else {
        res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    posts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
