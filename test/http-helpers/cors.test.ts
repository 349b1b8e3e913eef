/**
 * applyCors: an allowed origin is echoed with Vary and its preflight answered with 204; other origins
 * get no allow-origin header and their preflight 403.
 */
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { applyCors } from "../../src/http/cors.js";
import { cleanups, listen } from "../helpers/listen.js";

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
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
    expect(String(res.headers["access-control-expose-headers"]).split(", ")).toStrictEqual([
      "x-request-id",
      "idempotent-replayed",
      "idempotent-recovered",
      "idempotency-stored",
      "retry-after",
    ]);
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
      expect.arrayContaining([
        "authorization",
        "content-type",
        "apollo-require-preflight",
        "traceparent",
        "apollographql-client-name",
        "apollographql-client-version",
      ]),
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
