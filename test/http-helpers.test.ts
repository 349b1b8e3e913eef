import nodeHttp, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createCallerCheck, createSecretCheck } from "../src/http/caller.js";
import { applyCors } from "../src/http/cors.js";
import { type BodyResult, parseTarget, readBody, sendJson } from "../src/http/io.js";
import { logRequest } from "../src/http/request-log.js";
import { createLogger, isoTimeByMillisecond } from "../src/logger.js";
import { Metrics } from "../src/metrics.js";
import { OmsHttp } from "../src/oms/http.js";
import { ResilientOms } from "../src/oms/resilience.js";
import { createReadiness } from "../src/readiness.js";

const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = nodeHttp.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, port };
}

describe("createCallerCheck", () => {
  const check = createCallerCheck(["key-1"]);

  it.each([
    ["Bearer key-1", true],
    ["bearer key-1", true],
    ["BEARER key-1", true],
    ["Bearer   key-1  ", true],
    ["Bearer key-2", false],
    ["Bearer key-1x", false],
    ["Bearer key-", false],
    ["Bearer key-1 key-1", false],
    ["Token key-1", false],
    ["key-1", false],
    ["Bearer", false],
    ["Bearer ", false],
    ["", false],
  ])("%j → %s", (header, accepted) => {
    expect(check(header)).toBe(accepted);
  });

  it("refuses a missing header", () => {
    expect(check(undefined)).toBe(false);
  });

  it("accepts each of several keys and nothing else", () => {
    const several = createCallerCheck(["key-a", "key-b", "key-c"]);
    expect(several("Bearer key-a")).toBe(true);
    expect(several("Bearer key-b")).toBe(true);
    expect(several("Bearer key-c")).toBe(true);
    expect(several("Bearer key-d")).toBe(false);
    expect(several("Bearer key-a,key-b")).toBe(false);
  });

  it("answers the same on repeated checks, whichever came first", () => {
    const repeated = createCallerCheck(["key-1"]);
    for (let i = 0; i < 3; i++) {
      expect(repeated("Bearer key-2")).toBe(false);
      expect(repeated("Bearer key-1")).toBe(true);
      expect(repeated("Bearer key-1x")).toBe(false);
    }
  });

  it("stays right after remembering more accepted values than it keeps", () => {
    const many = createCallerCheck(["key-1"]);
    // 300 spellings of the same valid header (more than the 256 remembered) and a wrong one between each.
    for (let spaces = 1; spaces <= 300; spaces++) {
      expect(many(`Bearer${" ".repeat(spaces)}key-1`)).toBe(true);
      expect(many(`Bearer${" ".repeat(spaces)}key-9`)).toBe(false);
    }
    expect(many("Bearer key-1")).toBe(true);
    expect(many("Bearer key-1 ")).toBe(true);
  });

  it("accepts every caller when no keys are configured", () => {
    const open = createCallerCheck([]);
    expect(open(undefined)).toBe(true);
    expect(open("")).toBe(true);
    expect(open("Bearer anything")).toBe(true);
  });
});

describe("createSecretCheck (Router-Authorization)", () => {
  it("accepts the secret alone, again and again, and nothing else", () => {
    const check = createSecretCheck("router-secret");
    for (let i = 0; i < 3; i++) {
      expect(check("router-secret")).toBe(true);
      expect(check("router-secret ")).toBe(false);
      expect(check("router-secre")).toBe(false);
      expect(check(["router-secret", "router-secret"])).toBe(false);
      expect(check(undefined)).toBe(false);
    }
  });

  it("accepts everything when no secret is configured", () => {
    expect(createSecretCheck(null)(undefined)).toBe(true);
  });
});

describe("applyCors", () => {
  const ALLOWED = ["https://app.example.com", "http://localhost:5173"];

  async function corsServer() {
    const returned: boolean[] = [];
    const { url } = await listen((req, res) => {
      const goOn = applyCors(req, res, ALLOWED);
      returned.push(goOn);
      if (goOn) res.end("handled");
    });
    const call = async (method: string, origin?: string) => {
      const res = await request(`${url}/graphql`, {
        method: method as "GET",
        headers: origin === undefined ? {} : { origin, "access-control-request-method": "POST" },
      });
      return { status: res.statusCode, headers: res.headers, body: await res.body.text() };
    };
    return { call, returned };
  }

  it("echoes an allowed origin with Vary", async () => {
    const { call, returned } = await corsServer();
    const res = await call("POST", "http://localhost:5173");
    expect(res.status).toBe(200);
    expect(res.body).toBe("handled");
    expect(res.headers["access-control-allow-origin"]).toBe("http://localhost:5173");
    expect(res.headers.vary).toBe("Origin");
    expect(res.headers["access-control-expose-headers"]).toBe("x-request-id");
    expect(res.headers["access-control-allow-credentials"]).toBeUndefined();
    expect(returned).toEqual([true]);
  });

  it.each([
    ["a disallowed origin", "https://evil.example.com"],
    ["an allowed origin's look-alike", "https://app.example.com.evil.example.com"],
    ["the literal null origin", "null"],
    ["no origin", undefined],
  ])("gives %s no allow-origin header but still handles the request", async (_name, origin) => {
    const { call, returned } = await corsServer();
    const res = await call("GET", origin);
    expect(res.status).toBe(200);
    expect(res.body).toBe("handled");
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["access-control-expose-headers"]).toBeUndefined();
    expect(res.headers.vary).toBe("Origin");
    expect(returned).toEqual([true]);
  });

  it("answers an allowed preflight itself with 204", async () => {
    const { call, returned } = await corsServer();
    const res = await call("OPTIONS", "https://app.example.com");
    expect(res.status).toBe(204);
    expect(res.body).toBe("");
    expect(res.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    expect(res.headers["access-control-allow-methods"]).toBe("GET, POST, OPTIONS");
    expect(String(res.headers["access-control-allow-headers"]).split(", ")).toEqual(
      expect.arrayContaining(["authorization", "content-type", "apollo-require-preflight"]),
    );
    expect(res.headers["access-control-max-age"]).toBe("600");
    expect(returned).toEqual([false]);
  });

  it.each([
    ["a disallowed origin", "https://evil.example.com"],
    ["no origin", undefined],
  ])("refuses a preflight from %s with 403", async (_name, origin) => {
    const { call, returned } = await corsServer();
    const res = await call("OPTIONS", origin);
    expect(res.status).toBe(403);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
    expect(res.headers["access-control-allow-methods"]).toBeUndefined();
    expect(res.headers["access-control-allow-headers"]).toBeUndefined();
    expect(returned).toEqual([false]);
  });

  it("allows no origin at all with an empty allowlist", async () => {
    const returned: boolean[] = [];
    const { url } = await listen((req, res) => {
      returned.push(applyCors(req, res, []));
      res.end();
    });
    const res = await request(`${url}/graphql`, {
      method: "OPTIONS",
      headers: { origin: "https://app.example.com" },
    });
    await res.body.text();
    expect(res.statusCode).toBe(403);
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });
});

describe("readBody", () => {
  const MAX = 100;

  // Private: a server that answers with what readBody returned, as soon as it returns.
  async function bodyServer() {
    const results: BodyResult[] = [];
    const { port } = await listen(async (req, res) => {
      const result = await readBody(req, MAX);
      results.push(result);
      sendJson(res, result.kind === "ok" ? 200 : 413, result);
    });
    return { port, results };
  }

  // Private: sends headers and some body without finishing, and waits for the answer.
  function unfinished(port: number, headers: Record<string, string | number>, parts: Buffer[]) {
    return new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = nodeHttp.request({ host: "127.0.0.1", port, method: "POST", path: "/graphql", headers });
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error("no answer while the body was still incomplete"));
      }, 2_000);
      req.on("error", reject);
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() });
          req.destroy();
        });
      });
      for (const part of parts) req.write(part);
    });
  }

  async function post(port: number, body: string | Buffer) {
    const res = await request(`http://127.0.0.1:${port}/graphql`, { method: "POST", body });
    return { status: res.statusCode, headers: res.headers, json: (await res.body.json()) as BodyResult };
  }

  it("reads a small body", async () => {
    const { port } = await bodyServer();
    expect(await post(port, '{"query":"{ __typename }"}')).toMatchObject({
      status: 200,
      json: { kind: "ok", text: '{"query":"{ __typename }"}' },
    });
  });

  it("reads a body of exactly the cap", async () => {
    const { port } = await bodyServer();
    expect((await post(port, "x".repeat(MAX))).json).toEqual({ kind: "ok", text: "x".repeat(MAX) });
  });

  it("reads an empty body", async () => {
    const { port } = await bodyServer();
    expect((await post(port, "")).json).toEqual({ kind: "ok", text: "" });
  });

  it("keeps multi-byte characters split across chunks intact", async () => {
    const { port } = await bodyServer();
    const bytes = Buffer.from('{"q":"Yurtiçi ğüş"}', "utf8");
    const cut = bytes.indexOf(Buffer.from("ğ", "utf8")) + 1;
    const res = await new Promise<string>((resolve, reject) => {
      const req = nodeHttp.request({ host: "127.0.0.1", port, method: "POST", path: "/" }, (r) => {
        const chunks: Buffer[] = [];
        r.on("data", (c: Buffer) => chunks.push(c));
        r.on("end", () => resolve(Buffer.concat(chunks).toString()));
      });
      req.on("error", reject);
      req.write(bytes.subarray(0, cut));
      setTimeout(() => req.end(bytes.subarray(cut)), 20);
    });
    expect(JSON.parse(res)).toEqual({ kind: "ok", text: '{"q":"Yurtiçi ğüş"}' });
  });

  it("refuses a body declared too large before it arrives", async () => {
    const { port, results } = await bodyServer();
    const res = await unfinished(port, { "content-type": "application/json", "content-length": 1_000_000 }, [
      Buffer.from("{"),
    ]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ kind: "tooLarge" });
    // The answer came while the client was still sending: nothing waited for the million bytes.
    expect(results).toEqual([{ kind: "tooLarge" }]);
  });

  it("refuses a streamed body as soon as it passes the cap", async () => {
    const { port, results } = await bodyServer();
    const res = await unfinished(port, { "transfer-encoding": "chunked" }, [
      Buffer.alloc(60, "a"),
      Buffer.alloc(60, "b"),
    ]);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ kind: "tooLarge" });
    expect(results).toEqual([{ kind: "tooLarge" }]);
  });

  it("refuses a complete body one byte over the cap", async () => {
    const { port } = await bodyServer();
    expect(await post(port, "x".repeat(MAX + 1))).toMatchObject({ status: 413, json: { kind: "tooLarge" } });
  });

  it("sends JSON with its exact length", async () => {
    const { port } = await bodyServer();
    const res = await post(port, "ş");
    expect(res.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(res.headers["content-length"]).toBe(
      String(Buffer.byteLength(JSON.stringify({ kind: "ok", text: "ş" }))),
    );
    expect(res.json).toEqual({ kind: "ok", text: "ş" });
  });
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

describe("isoTimeByMillisecond (the log lines' time)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("formats the current millisecond as pino's time field, and follows the clock", () => {
    vi.useFakeTimers();
    const time = isoTimeByMillisecond();
    vi.setSystemTime(new Date("2026-11-25T10:00:00.123Z"));
    expect(time()).toBe(',"time":"2026-11-25T10:00:00.123Z"');
    expect(time()).toBe(',"time":"2026-11-25T10:00:00.123Z"');
    vi.setSystemTime(new Date("2026-11-25T10:00:00.124Z"));
    expect(time()).toBe(',"time":"2026-11-25T10:00:00.124Z"');
    vi.setSystemTime(new Date("2027-01-01T00:00:00.000Z"));
    expect(JSON.parse(`{${time().slice(1)}}`)).toEqual({ time: "2027-01-01T00:00:00.000Z" });
  });
});

describe("logRequest (the request line)", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  function capture() {
    const lines: string[] = [];
    return { lines, stream: { write: (line: string) => lines.push(line) } };
  }
  const req = { method: "POST" } as IncomingMessage;
  const answered = (statusCode: number, stats?: object) =>
    ({ statusCode, locals: stats && { stats } }) as unknown as ServerResponse;

  it("writes the request's fields under these names, in this order", () => {
    vi.useFakeTimers({ toFake: ["Date", "performance"] });
    vi.setSystemTime(new Date("2026-11-25T10:00:00.123Z"));
    const { lines, stream } = capture();
    const log = createLogger("info", stream);
    const stats = {
      operation: "mutation updatePackageShipment",
      outcome: "ShipmentUpdated",
      omsCalls: [{ route: "command", method: "POST", status: 204, ms: 3 }],
    };
    logRequest(log, new Metrics(), req, answered(200, stats), "/graphql", 'r"1\\', performance.now() - 12.4);
    logRequest(log, new Metrics(), req, answered(415), "/subgraph", "r2", performance.now());
    expect(lines).toStrictEqual([
      '{"level":"info","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r\\"1\\\\",' +
        '"method":"POST","path":"/graphql","status":200,"operation":"mutation updatePackageShipment",' +
        '"outcome":"ShipmentUpdated","oms":[{"route":"command","method":"POST","status":204,"ms":3}],"ms":12,' +
        '"msg":"request"}\n',
      '{"level":"info","time":"2026-11-25T10:00:00.123Z","service":"oms-graph","requestId":"r2",' +
        '"method":"POST","path":"/subgraph","status":415,"operation":null,"outcome":null,"oms":[],"ms":0,' +
        '"msg":"request"}\n',
    ]);
  });

  it("writes health checks and scrapes at debug, below the usual level", () => {
    const { lines, stream } = capture();
    for (const level of ["info", "debug"]) {
      const log = createLogger(level, stream);
      for (const path of ["/health/live", "/health/ready", "/metrics"]) {
        logRequest(log, new Metrics(), req, answered(200), path, "r1", performance.now());
      }
    }
    expect(lines.map((line) => JSON.parse(line))).toMatchObject([
      { level: "debug", path: "/health/live" },
      { level: "debug", path: "/health/ready" },
      { level: "debug", path: "/metrics" },
    ]);
  });

  it("goes through the logger's redaction", () => {
    const { lines, stream } = capture();
    const log = pino({ redact: { paths: ["requestId", "oms[*].method"], censor: "[redacted]" } }, stream);
    const stats = { omsCalls: [{ route: "command", method: "POST", status: 204, ms: 3 }] };
    logRequest(
      log,
      new Metrics(),
      req,
      answered(200, stats),
      "/graphql",
      "secret-looking",
      performance.now(),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("secret-looking");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      requestId: "[redacted]",
      oms: [{ route: "command", method: "[redacted]", status: 204 }],
    });
  });
});

describe("parseTarget", () => {
  it.each([
    ["/graphql", "/graphql", ""],
    ["/graphql?", "/graphql", ""],
    ["/graphql?query={a}", "/graphql", "?query={a}"],
    ["/graphql?query=%7Ba%7D&operationName=X", "/graphql", "?query=%7Ba%7D&operationName=X"],
    ["/health/live#top", "/health/live", ""],
    ["/graphql?query={a}#x", "/graphql", "?query={a}"],
    ["/", "/", ""],
  ])("%j → path %j, query %j", (raw, pathname, search) => {
    expect(parseTarget(raw)).toEqual({ pathname, search });
  });

  it("reads a missing target as /", () => {
    expect(parseTarget(undefined)).toEqual({ pathname: "/", search: "" });
  });

  it("gives the same GraphQL parameters a URL object would", () => {
    const raw = "/graphql?query=%7B%20__typename%20%7D&variables=%7B%7D&operationName=A+B";
    const ours = new URLSearchParams(parseTarget(raw).search);
    const theirs = new URL(raw, "http://gateway").searchParams;
    for (const name of ["query", "variables", "operationName"]) expect(ours.get(name)).toBe(theirs.get(name));
  });
});
