/**
 * `npm run bench:soak`: the gateway under sustained load, on loopback only, bounded in time (about
 * two and a half minutes).
 *
 * 1. soak: 50 connections for SOAK_SECONDS (60) against the simulator answering after 20 ms:
 *    no errors, and RSS growth between the 10th second and the end under 10 %;
 * 2. OMS down: the same load against an OMS address that refuses connections: once the breaker is
 *    open, answers come back in milliseconds;
 * 3. SIGTERM under load: the gateway drains, and no request in flight fails.
 */
import { type ChildProcess, execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
// @ts-expect-error autocannon ships no types
import autocannon from "autocannon";
import { request } from "undici";
import { firstJsonLine, freePort, GATEWAY_FLAGS, ROOT, rssMb, startNode, stopAll } from "./processes.js";

const SOAK_SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
const API_KEY = "soak-key";

const BODY = JSON.stringify({
  query: `mutation Update($input: UpdatePackageShipmentInput!) {
    updatePackageShipment(input: $input) { __typename }
  }`,
  variables: {
    input: { packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK-SOAK-1", transitionId: 41 },
  },
});
const HEADERS = { "content-type": "application/json", authorization: `Bearer ${API_KEY}` };

async function startUpstream(latencyMs: number): Promise<string> {
  const child = startNode(["--import", "tsx", "bench/upstream.ts", String(latencyMs)]);
  return (await firstJsonLine(child)).url as string;
}

async function startGateway(omsUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = startNode([...GATEWAY_FLAGS, "dist/oms-graph.mjs"], {
    NODE_ENV: "production",
    PORT: String(port),
    OMS_BASE_URL: omsUrl,
    OMS_API_TOKEN: "demo-oms-token",
    API_KEYS: API_KEY,
    ROUTER_SECRET: "soak-router-secret",
    OMS_TIMEOUT_MS: "2000",
    LOG_LEVEL: "warn",
  });
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    try {
      const res = await request(`${url}/health/live`);
      await res.body.dump();
      if (res.statusCode === 200) return { child, url };
    } catch {
      await sleep(10);
    }
  }
}

interface LoadSummary {
  requests: number;
  errors: number;
  non2xx: number;
  p50: number;
  p99: number;
}

async function load(url: string, seconds: number): Promise<LoadSummary> {
  const result = await autocannon({
    url: `${url}/graphql`,
    method: "POST",
    headers: HEADERS,
    body: BODY,
    connections: 50,
    duration: seconds,
  });
  return {
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

async function soak() {
  const upstream = await startUpstream(20);
  const gateway = await startGateway(upstream);
  const pid = gateway.child.pid as number;
  const samples: Array<{ second: number; rssMb: number }> = [];
  const started = Date.now();
  const timer = setInterval(
    () => samples.push({ second: Math.round((Date.now() - started) / 1000), rssMb: rssMb(pid) }),
    1000,
  );
  const summary = await load(gateway.url, SOAK_SECONDS);
  clearInterval(timer);
  const at10 = samples.find((s) => s.second >= 10)?.rssMb ?? Number.NaN;
  const atEnd = samples.at(-1)?.rssMb ?? Number.NaN;
  const growth = (atEnd - at10) / at10;
  gateway.child.kill("SIGTERM");
  return {
    ...summary,
    rssAt10sMb: at10,
    rssAtEndMb: atEnd,
    rssGrowth: Number(growth.toFixed(3)),
    ok: summary.errors === 0 && summary.non2xx === 0 && growth < 0.1,
  };
}

async function omsDown() {
  // A port nothing listens on: every connection is refused at once.
  const gateway = await startGateway(`http://127.0.0.1:${await freePort()}`);
  // A few calls open the breaker; after that the gateway answers without trying the OMS.
  for (let i = 0; i < 10; i++) {
    const res = await request(`${gateway.url}/graphql`, { method: "POST", headers: HEADERS, body: BODY });
    await res.body.dump();
  }
  const summary = await load(gateway.url, 10);
  const res = await request(`${gateway.url}/graphql`, { method: "POST", headers: HEADERS, body: BODY });
  const answer = (await res.body.json()) as { errors?: Array<{ extensions?: { code?: string } }> };
  gateway.child.kill("SIGTERM");
  return {
    ...summary,
    code: answer.errors?.[0]?.extensions?.code ?? null,
    ok: summary.p99 < 50 && summary.errors === 0,
  };
}

async function sigtermUnderLoad() {
  const upstream = await startUpstream(200);
  const gateway = await startGateway(upstream);
  // Slow answers (200 ms) keep requests in flight when the signal arrives.
  const running = load(gateway.url, 3);
  await sleep(1500);
  gateway.child.kill("SIGTERM");
  const exit = new Promise<number | null>((resolve) => gateway.child.once("exit", (code) => resolve(code)));
  const summary = await running;
  const code = await exit;
  // Requests sent after the listener closed are refused at connect (errors), which is expected;
  // what must not happen is an answer other than 200 to a request the gateway accepted.
  return { ...summary, exitCode: code, ok: summary.non2xx === 0 && code === 0 };
}

async function main(): Promise<void> {
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  const report = {
    date: new Date().toISOString(),
    soak: await soak(),
    omsDown: await omsDown(),
    sigterm: await sigtermUnderLoad(),
  };
  const file = `bench/results/soak-${report.date.slice(0, 19).replace(/[:T]/g, "-")}.json`;
  writeFileSync(`${ROOT}${file}`, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\nwritten to ${file}\n`);
  if (!report.soak.ok || !report.omsDown.ok || !report.sigterm.ok) process.exitCode = 1;
}

try {
  await main();
} finally {
  stopAll();
}
