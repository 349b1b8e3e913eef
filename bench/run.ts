/**
 * `npm run bench`: what the gateway costs on top of the OMS, measured against the floor of any Node
 * facade, in one run on this machine. Loopback only, bounded in time (about two minutes).
 *
 * (a) floor: bare node:http + undici Pool forwarding the command      (bench/floor.ts)
 * (b) gateway: updatePackageShipment with an explicit transitionId    (dist/oms-graph.mjs, production mode)
 * (f) the same mutation through a plain Apollo Server facade            (bench/apollo-plain.ts)
 * runs interleaved A B F A B F; the servers under test share core 0, the OMS simulator and autocannon core 1.
 * (c) a query of 50 packages with their cargo companies: OMS calls cold and warm (counted at the OMS),
 *     and throughput next to, in the same run, the plain facade (g) and the gateway reading one
 *     package per call (h, OMS_PACKAGE_IDS_PARAM empty), interleaved C G H C G H
 * (d) a 500-item bulk call with 20 ms OMS latency, next to its ideal time
 * (e) RSS after load, and start-up time to the first answered request
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { request } from "undici";
import {
  firstJsonLine,
  freePort,
  GATEWAY_FLAGS,
  PINNING,
  ROOT,
  rssMb,
  startNode,
  stopAll,
} from "./processes.js";

const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 10);
const CONNECTIONS = 50;
const API_KEY = "bench-key-0123456789";
const CLOCK_TICKS = 100;

const MUTATION = `mutation Update($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) { __typename ... on ShipmentUpdated { shipment { trackingNumber } } }
}`;
const MUTATION_BODY = JSON.stringify({
  query: MUTATION,
  variables: {
    input: { packageId: "1001", cargoCompanyId: "1", trackingNumber: "YK-BENCH-1", transitionId: 41 },
  },
});
const PACKAGES_QUERY = `query Fifty {\n${Array.from(
  { length: 50 },
  (_, i) =>
    `  p${i}: package(id: "${2000 + i}") { id status shipment { trackingNumber cargoCompany { name } } }`,
).join("\n")}\n}`;

interface LoadResult {
  requests: { total: number; average: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
}

interface Sample {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  cpuUsPerRequest: number;
  errors: number;
}

async function startGateway(omsUrl: string, extraEnv: Record<string, string> = {}) {
  const port = await freePort();
  const started = performance.now();
  const child = startNode(
    [...GATEWAY_FLAGS, "dist/oms-graph.mjs"],
    {
      NODE_ENV: "production",
      PORT: String(port),
      OMS_BASE_URL: omsUrl,
      OMS_API_TOKEN: "demo-oms-token",
      API_KEYS: API_KEY,
      ROUTER_SECRET: "bench-router-secret",
      LOG_LEVEL: "info",
      // `GRAPHQL_JIT=false npm run bench` measures the gateway on Apollo's own execution.
      ...(process.env.GRAPHQL_JIT ? { GRAPHQL_JIT: process.env.GRAPHQL_JIT } : {}),
      ...extraEnv,
    },
    0,
  );
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}/graphql`;
  for (;;) {
    try {
      const res = await request(url, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
        body: JSON.stringify({ query: "{ __typename }" }),
      });
      await res.body.dump();
      if (res.statusCode === 200) break;
    } catch {
      // not listening yet
    }
    await sleep(5);
  }
  return { child, url, startupMs: performance.now() - started };
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

async function load(url: string, body: string, durationS: number): Promise<LoadResult> {
  const options = JSON.stringify({
    url,
    body,
    headers: { authorization: `Bearer ${API_KEY}` },
    connections: CONNECTIONS,
    duration: durationS,
  });
  const child = startNode(["--import", "tsx", "bench/load.ts", options], {}, 1);
  return (await firstJsonLine(child)) as unknown as LoadResult;
}

async function measure(name: string, pid: number, url: string, body: string): Promise<Sample> {
  const cpuBefore = cpuSeconds(pid);
  const result = await load(url, body, DURATION_S);
  const cpu = cpuSeconds(pid) - cpuBefore;
  const total = result.requests.total;
  return {
    name,
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuUsPerRequest: Math.round((cpu / Math.max(total, 1)) * 1e6),
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** Packages 2000+ start without a shipment; give each of the fifty one, so the query resolves carriers. */
async function giveShipments(url: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const input = {
      packageId: String(2000 + i),
      cargoCompanyId: String(1 + (i % 8)),
      trackingNumber: `BN${i}`,
      transitionId: 41,
    };
    const res = await request(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
      body: JSON.stringify({ query: MUTATION, variables: { input } }),
    });
    await res.body.dump();
  }
}

async function omsCalls(control: string, url: string, body: string) {
  await (await request(`${control}/reset`)).body.dump();
  const res = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
    body,
  });
  const answer = (await res.body.json()) as { errors?: unknown };
  if (answer.errors) throw new Error(`query failed: ${JSON.stringify(answer.errors)}`);
  return (await (await request(control)).body.json()) as { total: number; byRoute: Record<string, number> };
}

async function timeBulk(url: string, items: number, concurrency: number, latencyMs: number) {
  const inputs = Array.from({ length: items }, (_, i) => ({
    packageId: String(2000 + i),
    cargoCompanyId: String(1 + (i % 8)),
    trackingNumber: `BULK-${i}`,
    transitionId: 41,
  }));
  const query = `mutation Bulk($inputs: [UpdatePackageShipmentInput!]!) {
    updatePackageShipments(inputs: $inputs) { __typename }
  }`;
  const started = performance.now();
  const res = await request(url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${API_KEY}` },
    body: JSON.stringify({ query, variables: { inputs } }),
  });
  const answer = (await res.body.json()) as {
    data?: { updatePackageShipments: Array<{ __typename: string }> };
  };
  const wallMs = Math.round(performance.now() - started);
  const counts: Record<string, number> = {};
  for (const item of answer.data?.updatePackageShipments ?? [])
    counts[item.__typename] = (counts[item.__typename] ?? 0) + 1;
  return {
    items,
    concurrency,
    latencyMs,
    wallMs,
    idealMs: Math.ceil(items / concurrency) * latencyMs,
    results: Object.entries(counts)
      .map(([name, count]) => `${name} ${count}`)
      .join(", "),
  };
}

async function main(): Promise<void> {
  process.stdout.write(`building…\n`);
  execFileSync("npm", ["run", "build", "--silent"], { cwd: ROOT, stdio: "inherit" });
  const node = process.version;
  process.stdout.write(
    `node ${node}, ${cpus().length} cores, pinning ${PINNING ? "on" : "off"}, ${DURATION_S} s runs\n`,
  );

  const upstreamProcess = startNode(["--import", "tsx", "bench/upstream.ts", "0"], {}, 1);
  const upstream = await firstJsonLine(upstreamProcess);
  const floorProcess = startNode(["--import", "tsx", "bench/floor.ts", upstream.url as string], {}, 0);
  const floor = await firstJsonLine(floorProcess);
  const gateway = await startGateway(upstream.url as string);
  const plainProcess = startNode(["--import", "tsx", "bench/apollo-plain.ts", upstream.url as string], {}, 0);
  const plain = { pid: plainProcess.pid as number, url: (await firstJsonLine(plainProcess)).url as string };

  // Warm all three up so the JIT has compiled the hot paths before anything is measured.
  await load(floor.url as string, MUTATION_BODY, 3);
  await load(gateway.url, MUTATION_BODY, 3);
  await load(plain.url, MUTATION_BODY, 3);

  const samples: Sample[] = [];
  for (let round = 1; round <= 2; round++) {
    samples.push(
      await measure(`(a) floor #${round}`, floorProcess.pid as number, floor.url as string, MUTATION_BODY),
    );
    samples.push(
      await measure(`(b) gateway #${round}`, gateway.child.pid as number, gateway.url, MUTATION_BODY),
    );
    samples.push(
      await measure(`(f) plain Apollo Server facade #${round}`, plain.pid, plain.url, MUTATION_BODY),
    );
  }
  const rssAfterLoad = {
    floorMb: rssMb(floorProcess.pid as number),
    gatewayMb: rssMb(gateway.child.pid as number),
    facadeMb: rssMb(plain.pid),
  };
  const sum = (prefix: string) =>
    samples.filter((s) => s.name.startsWith(prefix)).reduce((t, s) => t + s.rps, 0);
  const ratio = sum("(b)") / sum("(a)");
  const referenceRatio = sum("(f)") / sum("(a)");
  const gatewayToFacade = sum("(b)") / sum("(f)");
  floorProcess.kill("SIGTERM");

  // (c) OMS calls of a 50-package query, against an OMS that counts what it receives.
  const countingProcess = startNode(["--import", "tsx", "bench/upstream.ts", "0", "--count"], {}, 1);
  const counting = await firstJsonLine(countingProcess);
  const counted = await startGateway(counting.url as string);
  await giveShipments(counted.url);
  const fiftyBody = JSON.stringify({ query: PACKAGES_QUERY });
  const cold = await omsCalls(counting.control as string, counted.url, fiftyBody);
  const warm = await omsCalls(counting.control as string, counted.url, fiftyBody);
  counted.child.kill("SIGTERM");
  countingProcess.kill("SIGTERM");

  // Its throughput against the fast OMS (recording every request would load the OMS's core), next to
  // the plain facade and the gateway reading one package per call, in turns.
  await giveShipments(gateway.url);
  const oneByOne = await startGateway(upstream.url as string, { OMS_PACKAGE_IDS_PARAM: "" });
  const fiftyRuns: Array<[string, number, string]> = [
    ["(c) 50-package query, gateway", gateway.child.pid as number, gateway.url],
    ["(g) 50-package query, plain facade", plain.pid, plain.url],
    [
      "(h) 50-package query, gateway reading one package per call",
      oneByOne.child.pid as number,
      oneByOne.url,
    ],
  ];
  // Longer: the compiled 50-package operation takes some seconds to reach its steady speed.
  for (const [, , url] of fiftyRuns) await load(url, fiftyBody, 6);
  const fiftySamples: Sample[] = [];
  for (let round = 1; round <= 2; round++) {
    for (const [name, pid, url] of fiftyRuns)
      fiftySamples.push(await measure(`${name} #${round}`, pid, url, fiftyBody));
  }
  const fiftySum = (prefix: string) =>
    fiftySamples.filter((s) => s.name.startsWith(prefix)).reduce((t, s) => t + s.rps, 0);
  const fifty = {
    samples: fiftySamples,
    toFacade: Number((fiftySum("(c)") / fiftySum("(g)")).toFixed(2)),
    toOneByOne: Number((fiftySum("(c)") / fiftySum("(h)")).toFixed(2)),
  };
  oneByOne.child.kill("SIGTERM");
  plainProcess.kill("SIGTERM");

  // (d) one 500-item bulk call against an OMS answering after 20 ms, next to the ideal time.
  const slowProcess = startNode(["--import", "tsx", "bench/upstream.ts", "20"], {}, 1);
  const slow = await firstJsonLine(slowProcess);
  const bulkGateway = await startGateway(slow.url as string, {
    BULK_CONCURRENCY: "8",
    BULK_MAX_ITEMS: "500",
  });
  const bulk = await timeBulk(bulkGateway.url, 500, 8, 20);

  // (e) start-up of a fresh gateway to its first answered request.
  const fresh = await startGateway(upstream.url as string);
  const startupMs = Math.round(fresh.startupMs);

  const report = {
    date: new Date().toISOString(),
    node,
    cores: cpus().length,
    pinned: PINNING,
    durationS: DURATION_S,
    connections: CONNECTIONS,
    samples,
    ratio: Number(ratio.toFixed(3)),
    referenceRatio: Number(referenceRatio.toFixed(3)),
    gatewayToFacade: Number(gatewayToFacade.toFixed(3)),
    fiftyPackages: { coldOmsCalls: cold, warmOmsCalls: warm, ...fifty },
    bulk,
    rssAfterLoad,
    startupMs,
  };
  mkdirSync(`${ROOT}bench/results`, { recursive: true });
  const file = `bench/results/${report.date.slice(0, 19).replace(/[:T]/g, "-")}.json`;
  writeFileSync(`${ROOT}${file}`, `${JSON.stringify(report, null, 2)}\n`);

  const rows = samples
    .concat(fiftySamples)
    .map((s) => `| ${s.name} | ${s.rps} | ${s.p50} | ${s.p99} | ${s.cpuUsPerRequest} | ${s.errors} |`);
  process.stdout.write(
    [
      "",
      "| run | req/s | p50 ms | p99 ms | CPU µs/req | errors |",
      "|---|---|---|---|---|---|",
      ...rows,
      "",
      `ratio (b)/(a): ${ratio.toFixed(3)}; plain Apollo Server facade (f)/(a): ${referenceRatio.toFixed(3)}; (b)/(f): ${gatewayToFacade.toFixed(3)}`,
      `50-package query OMS calls: cold ${JSON.stringify(cold.byRoute)}, warm ${JSON.stringify(warm.byRoute)}`,
      `50-package query by req/s: gateway / plain facade (c)/(g) ${fifty.toFacade}; gateway / one package per call (c)/(h) ${fifty.toOneByOne}`,
      `RSS after load: floor ${rssAfterLoad.floorMb} MB, gateway ${rssAfterLoad.gatewayMb} MB (${(
        rssAfterLoad.gatewayMb / rssAfterLoad.floorMb
      ).toFixed(2)}×), plain facade ${rssAfterLoad.facadeMb} MB`,
      `start-up to first answered request: ${startupMs} ms`,
      `500-item bulk call, OMS latency 20 ms, BULK_CONCURRENCY 8: ${bulk.wallMs} ms (ideal ${bulk.idealMs} ms, ${bulk.results})`,
      `written to ${file}`,
      "",
    ].join("\n"),
  );
}

try {
  await main();
} finally {
  stopAll();
}
