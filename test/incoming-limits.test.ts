/**
 * Limits on incoming connections, seen from a client's socket: slow clients are cut off near the
 * configured deadlines, connections past MAX_CONNECTIONS are dropped, and the default body limit
 * lets the largest valid bulk call through.
 */
import { once } from "node:events";
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";

// Private: a raw client; resolves with everything the server wrote once it closed the connection.
function connect(url: string): { socket: net.Socket; closed: Promise<string> } {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), "127.0.0.1");
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (chunk: string) => {
    received += chunk;
  });
  socket.on("error", () => {
    // A reset shows as 'close' too, which is what the tests wait for.
  });
  const closed = once(socket, "close").then(() => received);
  return { socket, closed };
}

// Private: writes `lines` one by one, `intervalMs` apart, until the socket closes.
function trickle(socket: net.Socket, lines: () => string, intervalMs: number): () => void {
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(lines());
  }, intervalMs);
  socket.once("close", () => clearInterval(timer));
  return () => clearInterval(timer);
}

const sockets: net.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
});

describe("slow clients (HTTP_HEADERS_TIMEOUT_MS=1000, HTTP_REQUEST_TIMEOUT_MS=2000)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "2000" });
  });
  afterAll(() => h.close());

  // node:http used to look at these deadlines every 30 s only: the socket stayed open far past them.
  it("answers 408 and closes a connection that trickles its headers and never ends them", async () => {
    const { socket, closed } = connect(h.url);
    sockets.push(socket);
    socket.write("POST /graphql HTTP/1.1\r\nHost: gateway\r\n");
    let n = 0;
    trickle(socket, () => `X-Slow-${n++}: still coming\r\n`, 100);

    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(h.sim.requests).toHaveLength(0);
  });

  it("answers 408 and closes a connection whose body trickles past the request deadline", async () => {
    const { socket, closed } = connect(h.url);
    sockets.push(socket);
    socket.write(
      "POST /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\ncontent-length: 10000\r\n\r\n{",
    );
    trickle(socket, () => " ", 100);

    const received = await closed;
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(h.sim.requests).toHaveLength(0);
  });
});

describe("MAX_CONNECTIONS=2", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ MAX_CONNECTIONS: "2" });
  });
  afterAll(() => h.close());

  const LIVE = "GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n";

  // Private: sends one request on an open connection and waits for its answer's status line.
  async function ask(socket: net.Socket): Promise<string> {
    const answer = new Promise<string>((resolve) => socket.once("data", (chunk) => resolve(String(chunk))));
    socket.write(LIVE);
    return (await answer).split("\r\n")[0] ?? "";
  }

  it("drops a third connection while two are open, and accepts again once one closes", async () => {
    const first = connect(h.url);
    const second = connect(h.url);
    sockets.push(first.socket, second.socket);
    expect(await ask(first.socket)).toBe("HTTP/1.1 200 OK");
    expect(await ask(second.socket)).toBe("HTTP/1.1 200 OK");

    const third = connect(h.url);
    sockets.push(third.socket);
    third.socket.on("connect", () => third.socket.write(LIVE));
    expect(await third.closed).toBe("");
    // The two open connections still work.
    expect(await ask(first.socket)).toBe("HTTP/1.1 200 OK");

    first.socket.destroy();
    await first.closed;
    await expect.poll(() => connections(h)).toBe(1);
    const fourth = connect(h.url);
    sockets.push(fourth.socket);
    await once(fourth.socket, "connect");
    expect(await ask(fourth.socket)).toBe("HTTP/1.1 200 OK");
  });
});

// Private: the server's count of open connections, through node:http's public callback API.
function connections(h: Harness): Promise<number> {
  return new Promise((resolve, reject) =>
    h.gateway.httpServer.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe("the default body limit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.close());

  it("takes a bulk call of BULK_MAX_ITEMS inputs at the longest values allowed, and answers every item", async () => {
    const inputs = Array.from({ length: 500 }, (_, i) => ({
      packageId: String(2000 + i),
      cargoCompanyId: "9007199254740991",
      trackingNumber: `T${String(i).padStart(63, "0")}`,
      queryNumber: `Q${String(i).padStart(63, "0")}`,
      transitionId: 2_147_483_647,
    }));
    const body = JSON.stringify({
      query:
        "mutation($inputs: [UpdatePackageShipmentInput!]!) { updatePackageShipments(inputs: $inputs) { __typename } }",
      variables: { inputs },
    });
    // Above the 100 kB limit this default replaced.
    expect(Buffer.byteLength(body)).toBeGreaterThan(100_000);

    const res = await h.post("/graphql", body);

    expect(res.status).toBe(200);
    const items = (res.body.data as { updatePackageShipments: Array<{ __typename: string }> })
      .updatePackageShipments;
    expect(items).toHaveLength(500);
    for (const item of items) {
      expect(["ShipmentUpdated", "ValidationError", "CommandRejected"]).toContain(item.__typename);
    }
    // Every input reached the OMS, with its full-length values.
    const sent = h.commands().map((r) => (r.json as { awb_number: string }).awb_number);
    expect(sent.sort()).toEqual(inputs.map((input) => input.trackingNumber).sort());
  });
});
