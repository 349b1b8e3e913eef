/**
 * Who may read /metrics, and where: METRICS_TOKEN requires a bearer token, METRICS_PORT moves the
 * endpoint to a port of its own (and off the API port).
 */
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningGateway, startGateway } from "../src/app.js";
import { loadConfig } from "../src/config.js";
import { createLogger } from "../src/logger.js";
import { type Harness, startHarness } from "./helpers/harness.js";

const TOKEN = "scrape-token-0123456789";

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await request(url, { headers });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

describe("METRICS_TOKEN on the API port", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => h.close());

  it.each([
    ["no Authorization", {}],
    ["another token", { authorization: "Bearer scrape-token-0123456788" }],
    ["the token with a prefix", { authorization: `Bearer x${TOKEN}` }],
    ["the token without Bearer", { authorization: TOKEN }],
  ])("refuses a scrape with %s: 401 and no figures", async (_name, headers) => {
    const res = await get(`${h.url}/metrics`, headers);
    expect(res.status).toBe(401);
    expect(res.headers["www-authenticate"]).toBe('Bearer realm="metrics"');
    expect(res.text).not.toContain("oms_graph_");
  });

  it("answers a scrape with the token", async () => {
    const res = await get(`${h.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.text).toContain("oms_graph_oms_breaker_state 0");
  });
});

describe("METRICS_PORT", () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    const config = loadConfig({ PORT: "0", METRICS_PORT: "0", METRICS_TOKEN: TOKEN });
    gateway = await startGateway(config, { log: createLogger("silent") });
  });
  afterAll(() => gateway.stop(1_000));

  it("serves /metrics on its own port, behind the token there too", async () => {
    expect(new URL(gateway.metricsUrl).port).not.toBe(new URL(gateway.url).port);
    expect((await get(gateway.metricsUrl)).status).toBe(401);
    const res = await get(gateway.metricsUrl, { authorization: `Bearer ${TOKEN}` });
    expect(res.status).toBe(200);
    expect(res.text).toContain("oms_graph_http_request_duration_seconds");
  });

  it("answers 404 for /metrics on the API port, and for anything but /metrics on the metrics port", async () => {
    const onApi = await get(`${gateway.url}/metrics`, { authorization: `Bearer ${TOKEN}` });
    expect(onApi.status).toBe(404);
    expect(onApi.text).not.toContain("oms_graph_");
    const metricsOrigin = new URL(gateway.metricsUrl).origin;
    expect((await get(`${metricsOrigin}/graphql?query={__typename}`)).status).toBe(404);
    expect((await get(`${metricsOrigin}/health/live`)).status).toBe(404);
    // The API itself is where it was.
    expect((await get(`${gateway.url}/health/live`)).status).toBe(200);
  });
});
