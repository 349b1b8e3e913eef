/**
 * readBody and the JSON answer: bodies up to the cap are read intact (multi-byte characters split
 * across chunks included), larger ones refused as soon as they pass it, and JSON sent with its exact
 * length.
 */
import nodeHttp from "node:http";
import { request } from "undici";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type BodyResult, readBody, sendJson } from "../../src/http/io.js";
import { cleanups, listen } from "../helpers/listen.js";

afterEach(async () => {
  vi.useRealTimers();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
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
