/**
 * What hostile documents cost the gateway: each is sent once, then repeated, then eight at once,
 * through the real HTTP server (on the embedded simulator), and the answer times are printed.
 * `npx tsx bench/hostile-documents.ts` (about ten seconds).
 */
import "reflect-metadata";
import { request } from "undici";
import { startGateway } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";

const DOCUMENTS: Record<string, string> = {
  "450 same-named fields (9 KB)": `{${' package(id:"1"){id}'.repeat(450)}}`,
  "300 same-named fields with a sub-selection": `{${' package(id:"1"){id shipment{trackingNumber}}'.repeat(300)}}`,
  "an unknown field, 100 times": `{${" nope".repeat(100)}}`,
};

const gateway = await startGateway(loadConfig({ PORT: "0", LOG_LEVEL: "silent" }), {
  log: createLogger("silent"),
});
const url = `${gateway.url}/graphql`;

async function send(query: string): Promise<{ ms: number; status: number; code: unknown }> {
  const started = performance.now();
  const res = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.body.json()) as { errors?: Array<{ extensions?: { code?: unknown } }> };
  return {
    ms: performance.now() - started,
    status: res.statusCode,
    code: body.errors?.[0]?.extensions?.code,
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

for (const [name, query] of Object.entries(DOCUMENTS)) {
  const first = await send(query);
  const repeats: number[] = [];
  for (let i = 0; i < 20; i++) repeats.push((await send(query)).ms);
  const started = performance.now();
  await Promise.all(Array.from({ length: 8 }, () => send(query)));
  const parallel = performance.now() - started;
  console.log(
    `${name}: ${first.status} ${String(first.code)}; first ${first.ms.toFixed(1)} ms, ` +
      `repeat median ${median(repeats).toFixed(2)} ms, 8 at once ${parallel.toFixed(1)} ms`,
  );
}
await gateway.stop(0);
