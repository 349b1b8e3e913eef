import nodeHttp, { type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { loadConfig } from "../src/config.js";
import { OmsError } from "../src/domain/errors.js";
import { OmsHttp, type OmsHttpOptions } from "../src/oms/http.js";
import type { OmsCall } from "../src/oms/telemetry.js";
import { createServer } from "../src/server.js";
import { closedPort } from "./helpers/closed-port.js";
import { fakeClock, settled, untilIo } from "./helpers/fake-clock.js";
import { rejection } from "./helpers/oms-error.js";

interface SeenRequest {
  method: string;
  url: string;
  headers: nodeHttp.IncomingHttpHeaders;
  body: string;
}

interface Loopback {
  url: string;
  requests: SeenRequest[];
  /** TCP connections accepted so far. */
  connections: number;
  close(): Promise<void>;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

// Private: a real HTTP server on an ephemeral loopback port; the handler sees the request once its body is read.
async function loopback(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Loopback> {
  const requests: SeenRequest[] = [];
  const server = nodeHttp.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      requests.push({
        method: req.method ?? "",
        url: req.url ?? "",
        headers: req.headers,
        body: Buffer.concat(chunks).toString("utf8"),
      });
      handler(req, res);
    });
  });
  const state: Loopback = {
    url: "",
    requests,
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on("connection", () => {
    state.connections++;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(state.close);
  return state;
}

function client(options: Partial<OmsHttpOptions> & { baseUrl: string }): OmsHttp {
  const oms = new OmsHttp({
    authorization: "Token tok-123",
    timeoutMs: 2_000,
    maxConnections: 4,
    ...options,
  });
  cleanups.push(() => oms.close());
  return oms;
}

// Private: a port with nothing listening, found by listening and closing again.

function json(status: number, body: unknown) {
  return (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
}

describe("OmsHttp requests", () => {
  it("sends the Authorization header exactly as given, with JSON accept and no content-type without a body", async () => {
    const oms = await loopback(json(200, { ok: true }));
    const http = client({ baseUrl: oms.url, authorization: "Token tok-123" });
    const res = await http.send("GET", "/api/v1/oms/packages/1/", "package", null);
    expect(res).toEqual({
      status: 200,
      headers: expect.objectContaining({ "content-type": "application/json" }),
      body: '{"ok":true}',
      truncated: false,
    });
    const [seen] = oms.requests;
    expect(seen?.method).toBe("GET");
    expect(seen?.url).toBe("/api/v1/oms/packages/1/");
    expect(seen?.headers.authorization).toBe("Token tok-123");
    expect(seen?.headers.accept).toBe("application/json");
    expect(seen?.headers["content-type"]).toBeUndefined();
    expect(seen?.body).toBe("");
  });

  it("marks a body as JSON", async () => {
    const oms = await loopback(json(204, null));
    const http = client({ baseUrl: oms.url });
    await http.send("POST", "/api/v1/oms/packages/1/command/", "command", '{"transition_id":41}');
    expect(oms.requests).toEqual([
      expect.objectContaining({
        method: "POST",
        url: "/api/v1/oms/packages/1/command/",
        body: '{"transition_id":41}',
        headers: expect.objectContaining({
          "content-type": "application/json",
          authorization: "Token tok-123",
        }),
      }),
    ]);
  });

  it("puts the base URL's path prefix in front of every path", async () => {
    const oms = await loopback(json(200, {}));
    const http = client({ baseUrl: `${oms.url}/tenant-a` });
    expect(http.prefix).toBe("/tenant-a");
    expect(http.origin).toBe(oms.url);
    await http.send("GET", "/api/v1/oms/packages/7/", "package", null);
    expect(oms.requests.map((r) => r.url)).toEqual(["/tenant-a/api/v1/oms/packages/7/"]);
  });

  it.each([
    [{}, "Token tok-live"],
    [{ OMS_AUTH_SCHEME: "Bearer" }, "Bearer tok-live"],
  ])("builds `<scheme> <token>` from the configuration %j", async (env, expected) => {
    const oms = await loopback(json(200, {}));
    const config = loadConfig({
      OMS_BASE_URL: oms.url,
      OMS_API_TOKEN: "tok-live",
      LOG_LEVEL: "silent",
      ...env,
    });
    const gateway = await createServer(config);
    cleanups.push(() => gateway.stop(0));
    await gateway.omsHttp.send("GET", "/api/v1/oms/packages/1/", "package", null);
    expect(oms.requests.map((r) => r.headers.authorization)).toEqual([expected]);
  });

  it("answers 204 with an empty body", async () => {
    const oms = await loopback((_req, res) => {
      res.writeHead(204);
      res.end();
    });
    const res = await client({ baseUrl: oms.url }).send("POST", "/c/", "command", "{}");
    expect(res.status).toBe(204);
    expect(res.body).toBe("");
    expect(res.truncated).toBe(false);
  });

  it.each([307, 302])("returns a %i as it is and never follows the Location", async (status) => {
    const elsewhere = await loopback(json(200, { followed: true }));
    const oms = await loopback((_req, res) => {
      res.writeHead(status, { location: `${elsewhere.url}/api/v1/oms/packages/1/command/` });
      res.end();
    });
    const res = await client({ baseUrl: oms.url }).send(
      "POST",
      "/api/v1/oms/packages/1/command/",
      "command",
      "{}",
    );
    expect(res.status).toBe(status);
    expect(res.headers.location).toBe(`${elsewhere.url}/api/v1/oms/packages/1/command/`);
    expect(oms.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    expect(elsewhere.connections).toBe(0);
  });
});

describe("OmsHttp response size cap", () => {
  const CAP = 64 * 1024;

  it("cuts a 5 MB body at the cap and discards the connection", async () => {
    const chunk = Buffer.alloc(64 * 1024, "a");
    const oms = await loopback((req, res) => {
      if (req.url !== "/big/") return json(200, {})(req, res);
      res.writeHead(200, { "content-type": "application/json", "content-length": String(80 * chunk.length) });
      let sent = 0;
      const pump = () => {
        while (sent < 80 && !res.destroyed) {
          sent++;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      pump();
    });
    const http = client({ baseUrl: oms.url, maxResponseBytes: CAP });
    const res = await http.send("GET", "/big/", "package", null);
    expect(res.status).toBe(200);
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(CAP);
    expect(res.body).toBe("a".repeat(CAP));
    await expect.poll(() => http.stats).toMatchObject({ running: 0, pending: 0 });
    // The rest of the body is never drained into a reused socket: the next call needs a new connection.
    expect((await http.send("GET", "/small/", "package", null)).body).toBe("{}");
    expect(oms.connections).toBe(2);
  });

  it("stops reading a body that never ends instead of waiting for the deadline", async () => {
    const chunk = Buffer.alloc(16 * 1024, "b");
    let socketClosed = false;
    const oms = await loopback((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.on("close", () => {
        socketClosed = true;
      });
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) {
          // Keep the socket buffer full until the client goes away.
        }
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    });
    const http = client({ baseUrl: oms.url, maxResponseBytes: CAP, timeoutMs: 10_000 });
    const res = await http.send("GET", "/endless/", "package", null);
    // The deadline path would give an empty body; a body of exactly the cap means it was cut while reading.
    expect(res.truncated).toBe(true);
    expect(res.body.length).toBe(CAP);
    await expect.poll(() => socketClosed).toBe(true);
    await expect.poll(() => http.stats).toMatchObject({ running: 0, pending: 0 });
  });

  it("keeps a body exactly at the cap whole", async () => {
    const oms = await loopback((_req, res) => {
      res.writeHead(200);
      res.end("x".repeat(1024));
    });
    const res = await client({ baseUrl: oms.url, maxResponseBytes: 1024 }).send("GET", "/", "package", null);
    expect(res.truncated).toBe(false);
    expect(res.body).toBe("x".repeat(1024));
  });
});

describe("OmsHttp deadline and failures", () => {
  const TIMEOUT = 300;

  it("ends a trickling body at the whole-request deadline, keeping only the status", async () => {
    let timer: NodeJS.Timeout | undefined;
    let sent = 0;
    const oms = await loopback((_req, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      // 100 bytes at one per 10 ms, on the real clock: each byte well inside any per-chunk timeout.
      timer = setInterval(() => {
        if (res.destroyed || sent >= 100) {
          clearInterval(timer);
          if (!res.destroyed) res.end();
          return;
        }
        sent++;
        res.write(" ");
      }, 10);
    });
    cleanups.push(async () => clearInterval(timer));
    const calls: OmsCall[] = [];
    const clock = fakeClock();
    cleanups.push(async () => clock.restore());
    const http = client({ baseUrl: oms.url, timeoutMs: TIMEOUT });
    const answer = settled(
      http.send("GET", "/slow/", "package", null, { onCall: (call) => calls.push(call) }),
    );
    await untilIo(() => sent >= 5, "the body to start trickling");
    await clock.advance(TIMEOUT - 1);
    expect(answer.done).toBe(false);
    await clock.advance(1);
    const res = await answer.promise;
    // Cut at the deadline while the OMS was still sending, not when the body ended.
    expect(sent).toBeLessThan(100);
    expect(res.status).toBe(200);
    expect(res.body).toBe("");
    expect(res.truncated).toBe(true);
    expect(calls).toEqual([{ route: "package", method: "GET", status: 200, ms: TIMEOUT }]);
    clock.restore();
    await expect.poll(() => http.stats).toMatchObject({ running: 0, pending: 0 });
  });

  it("gives OMS_UNAVAILABLE that may have been applied when no headers arrive within the deadline", async () => {
    const oms = await loopback(() => {
      // Never answers.
    });
    const calls: OmsCall[] = [];
    const clock = fakeClock();
    cleanups.push(async () => clock.restore());
    const http = client({ baseUrl: oms.url, timeoutMs: TIMEOUT });
    const outcome = settled(
      rejection(
        http.send("POST", "/api/v1/oms/packages/1/command/", "command", "{}", {
          onCall: (c) => calls.push(c),
        }),
      ),
    );
    await untilIo(() => oms.requests.length === 1, "the command to reach the OMS");
    await clock.advance(TIMEOUT - 1);
    expect(outcome.done).toBe(false);
    await clock.advance(1);
    const error = await outcome.promise;
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe(`The OMS could not be reached: no answer within ${TIMEOUT} ms.`);
    expect(error.details.maybeApplied).toBe(true);
    expect(oms.requests).toHaveLength(1);
    expect(calls).toEqual([{ route: "command", method: "POST", status: null, ms: TIMEOUT }]);
    clock.restore();
    await expect.poll(() => http.stats).toMatchObject({ running: 0, pending: 0 });
  });

  it("answers a call whose deadline passes while queued for a connection as not applied, and never sends it", async () => {
    const oms = await loopback(() => {
      // Never answers: the first call holds the only connection until its own deadline.
    });
    const calls: OmsCall[] = [];
    const http = client({ baseUrl: oms.url, timeoutMs: 1_000, maxConnections: 1 });
    const holding = rejection(http.send("POST", "/first/", "command", "{}"));
    await expect.poll(() => oms.requests).toHaveLength(1);
    const error = await rejection(
      http.send("POST", "/queued/", "command", "{}", { onCall: (c) => calls.push(c) }, TIMEOUT),
    );
    // Answered while the first call still held the connection.
    expect((await Promise.race([holding, Promise.resolve("pending")])) as unknown).toBe("pending");
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe(`The OMS could not be reached: no answer within ${TIMEOUT} ms.`);
    expect(error.details.maybeApplied).toBe(false);
    expect(calls).toEqual([{ route: "command", method: "POST", status: null, ms: expect.any(Number) }]);
    expect((await holding).details.maybeApplied).toBe(true);
    await expect.poll(() => http.stats).toMatchObject({ running: 0, pending: 0 });
    expect(oms.requests.map((r) => r.url)).toEqual(["/first/"]);
  });

  it("gives OMS_UNAVAILABLE that was not applied when the connection is refused", async () => {
    const port = await closedPort();
    const calls: OmsCall[] = [];
    const http = client({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await rejection(
      http.send("POST", "/c/", "command", "{}", { onCall: (c) => calls.push(c) }),
    );
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.message).toBe("The OMS could not be reached: connection failed (ECONNREFUSED).");
    expect(error.details.maybeApplied).toBe(false);
    expect(calls).toEqual([{ route: "command", method: "POST", status: null, ms: expect.any(Number) }]);
    await expect.poll(() => http.stats).toMatchObject({ running: 0, pending: 0 });
  });

  it("treats a connection dropped after the request was sent as possibly applied", async () => {
    const oms = await loopback((req) => {
      req.socket.destroy();
    });
    const error = await rejection(client({ baseUrl: oms.url }).send("POST", "/c/", "command", "{}"));
    expect(error.code).toBe("OMS_UNAVAILABLE");
    expect(error.details.maybeApplied).toBe(true);
    expect(oms.requests).toHaveLength(1);
  });

  it("never puts the token into an error, its JSON or its inspection", async () => {
    const token = "tok-4e9d-very-secret";
    const port = await closedPort();
    const silent = await loopback(() => {
      // Never answers.
    });
    const dropping = await loopback((req) => req.socket.destroy());
    const errors = [
      await rejection(
        client({ baseUrl: `http://127.0.0.1:${port}`, authorization: `Token ${token}` }).send(
          "GET",
          "/",
          "package",
          null,
        ),
      ),
      await rejection(
        client({ baseUrl: silent.url, authorization: `Token ${token}`, timeoutMs: TIMEOUT }).send(
          "POST",
          "/c/",
          "command",
          "{}",
        ),
      ),
      await rejection(
        client({ baseUrl: dropping.url, authorization: `Token ${token}` }).send(
          "POST",
          "/c/",
          "command",
          "{}",
        ),
      ),
    ];
    expect(silent.requests[0]?.headers.authorization).toBe(`Token ${token}`);
    for (const error of errors) {
      expect(error.message).not.toContain(token);
      expect(JSON.stringify(error)).not.toContain(token);
      expect(inspect(error, { depth: 10, showHidden: true })).not.toContain(token);
    }
  });
});

describe("OmsHttp bookkeeping", () => {
  it("reports route, method, status and duration of each answered call", async () => {
    const oms = await loopback(json(404, { detail: "Not found." }));
    const calls: OmsCall[] = [];
    await client({ baseUrl: oms.url }).send("GET", "/api/v1/oms/packages/9/", "package", null, {
      onCall: (call) => calls.push(call),
    });
    expect(calls).toEqual([{ route: "package", method: "GET", status: 404, ms: expect.any(Number) }]);
    expect(Number.isInteger(calls[0]?.ms)).toBe(true);
    expect(calls[0]?.ms).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [200, true],
    [404, true],
    [500, false],
    [503, false],
    [401, false],
    [403, false],
  ])("moves lastHealthyAnswerAt on a %i: %s", async (status, moves) => {
    const oms = await loopback(json(status, {}));
    const http = client({ baseUrl: oms.url });
    expect(http.lastHealthyAnswerAt).toBe(0);
    const before = Date.now();
    await http.send("GET", "/", "probe", null);
    if (moves) {
      expect(http.lastHealthyAnswerAt).toBeGreaterThanOrEqual(before);
      expect(http.lastHealthyAnswerAt).toBeLessThanOrEqual(Date.now());
    } else {
      expect(http.lastHealthyAnswerAt).toBe(0);
    }
  });

  it("reuses one keep-alive connection for sequential requests", async () => {
    const oms = await loopback(json(200, {}));
    const http = client({ baseUrl: oms.url });
    await http.send("GET", "/one/", "package", null);
    // undici hands a finished connection back to the pool one tick after the body ends.
    await new Promise((resolve) => setImmediate(resolve));
    await http.send("POST", "/two/", "command", "{}");
    await new Promise((resolve) => setImmediate(resolve));
    expect(oms.requests.map((r) => r.url)).toEqual(["/one/", "/two/"]);
    expect(oms.connections).toBe(1);
    expect(http.stats).toEqual({ connected: 1, free: 1, pending: 0, running: 0 });
  });

  it("keeps back-to-back sequential requests on a bounded number of connections", async () => {
    const oms = await loopback(json(200, {}));
    const http = client({ baseUrl: oms.url, maxConnections: 8 });
    for (let i = 0; i < 10; i++)
      await http.send(i % 2 ? "POST" : "GET", `/${i}/`, "package", i % 2 ? "{}" : null);
    expect(oms.requests).toHaveLength(10);
    expect(oms.connections).toBeLessThanOrEqual(2);
  });

  it("leaves no running or pending requests in the pool after errors", async () => {
    let calls = 0;
    const oms = await loopback((req, res) => {
      calls++;
      if (req.url === "/hang/") return;
      if (req.url === "/drop/") return void req.socket.destroy();
      res.writeHead(500);
      res.end("boom");
    });
    const http = client({ baseUrl: oms.url, timeoutMs: 200 });
    await expect(http.send("GET", "/hang/", "package", null)).rejects.toBeInstanceOf(OmsError);
    await expect(http.send("POST", "/drop/", "command", "{}")).rejects.toBeInstanceOf(OmsError);
    expect((await http.send("GET", "/fail/", "package", null)).status).toBe(500);
    expect(calls).toBe(3);
    await expect.poll(() => http.stats).toMatchObject({ pending: 0, running: 0 });
    // The pool still works afterwards.
    expect((await http.send("GET", "/again/", "package", null)).status).toBe(500);
  });

  it("closes", async () => {
    const oms = await loopback(json(200, {}));
    const http = new OmsHttp({
      baseUrl: oms.url,
      authorization: "Token t",
      timeoutMs: 1_000,
      maxConnections: 1,
    });
    await http.send("GET", "/", "package", null);
    await expect(http.close()).resolves.toBeUndefined();
    await expect(http.send("GET", "/", "package", null)).rejects.toMatchObject({
      code: "OMS_UNAVAILABLE",
      details: { maybeApplied: false },
    });
  });
});
