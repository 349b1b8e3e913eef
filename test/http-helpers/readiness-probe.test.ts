/**
 * createReadiness: ready without probing while the OMS answered recently; otherwise one shared probe,
 * cached for the probe interval, and not ready when it fails or cannot connect.
 */
import nodeHttp from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { OmsHttp } from "../../src/oms/http.js";
import { ResilientOms } from "../../src/oms/resilience.js";
import { createReadiness } from "../../src/readiness.js";
import { cleanups, listen } from "../helpers/listen.js";

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe("createReadiness", () => {
  const PROBE_PATH = "/api/v1/oms/packages/?page_size=1";

  // Private: readiness over a transport whose breaker stays closed; only `ready` matters here.
  function readinessOf(http: OmsHttp): () => Promise<boolean> {
    const oms = new ResilientOms(http, { breakerThreshold: 1000, halfOpenAfterMs: 1000, readAttempts: 1 });
    const check = createReadiness({ http, oms, idempotencyStore: { healthy: true } });
    return async () => (await check()).ready;
  }

  // Private: a loopback OMS whose probe answer the test sets, optionally delayed, counting probes.
  async function omsWithProbe(initial: number, delayMs = 0) {
    const state = { status: initial, delayMs, probes: [] as Array<{ url: string; authorization?: string }> };
    const { url } = await listen((req, res) => {
      state.probes.push({ url: req.url ?? "", authorization: req.headers.authorization });
      setTimeout(() => {
        res.writeHead(state.status, { "content-type": "application/json" });
        res.end('{"count":0,"next":null,"previous":null,"results":[]}');
      }, state.delayMs);
    });
    const http = new OmsHttp({
      baseUrl: url,
      authorization: "Token tok-123",
      timeoutMs: 2_000,
      maxConnections: 2,
    });
    cleanups.push(() => http.close());
    return { state, http, ready: readinessOf(http) };
  }

  it("is ready without probing when the OMS answered recently", async () => {
    const { state, http, ready } = await omsWithProbe(500);
    http.lastHealthyAnswerAt = Date.now() - 29_000;
    expect(await ready()).toBe(true);
    expect(state.probes).toHaveLength(0);
  });

  it("shares one probe between concurrent checks when the last answer is stale", async () => {
    const { state, http, ready } = await omsWithProbe(200, 100);
    http.lastHealthyAnswerAt = Date.now() - 31_000;
    const results = await Promise.all([ready(), ready(), ready(), ready(), ready()]);
    expect(results).toEqual([true, true, true, true, true]);
    expect(state.probes).toEqual([{ url: PROBE_PATH, authorization: "Token tok-123" }]);
  });

  it("caches a probe's result for the probe interval", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { state, http, ready } = await omsWithProbe(200);
    expect(await ready()).toBe(true);
    expect(state.probes).toHaveLength(1);
    // Stale again, but the last probe is younger than the interval: its result stands.
    http.lastHealthyAnswerAt = 0;
    state.status = 503;
    vi.setSystemTime(Date.now() + 4_000);
    expect(await ready()).toBe(true);
    expect(state.probes).toHaveLength(1);
    vi.setSystemTime(Date.now() + 1_500);
    expect(await ready()).toBe(false);
    expect(state.probes).toHaveLength(2);
  });

  it("keeps answering false without probing again until the interval has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { state, ready } = await omsWithProbe(503);
    expect(await ready()).toBe(false);
    state.status = 200;
    expect(await ready()).toBe(false);
    expect(state.probes).toHaveLength(1);
    vi.setSystemTime(Date.now() + 5_001);
    expect(await ready()).toBe(true);
    expect(state.probes).toHaveLength(2);
  });

  it.each([
    [404, true],
    [401, false],
    [403, false],
    [500, false],
    [502, false],
  ])("reads a probe answered %i as ready=%s", async (status, expected) => {
    const { state, ready } = await omsWithProbe(status);
    expect(await ready()).toBe(expected);
    expect(state.probes).toHaveLength(1);
  });

  it("is not ready when the probe cannot connect", async () => {
    const server = nodeHttp.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const http = new OmsHttp({
      baseUrl: `http://127.0.0.1:${port}`,
      authorization: "Token t",
      timeoutMs: 1_000,
      maxConnections: 1,
    });
    cleanups.push(() => http.close());
    await expect(readinessOf(http)()).resolves.toBe(false);
  });
});
