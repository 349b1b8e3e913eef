/**
 * Draining on SIGTERM (`GatewayServer.stop`): requests already received finish and are answered,
 * every answer says `Connection: close`, a request that arrives on an old connection after the drain
 * began is refused before anything reaches the OMS, idle keep-alive sockets are closed at once, and
 * the drain ends as soon as the work in flight is done instead of waiting out the grace period.
 */
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "./helpers/harness.js";
import { until } from "./helpers/until.js";

const MUTATION = `mutation Drain($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) { __typename ... on ShipmentUpdated { shipment { trackingNumber } } }
}`;

let h: Harness | undefined;
afterEach(async () => {
  await h?.sim.close();
  h = undefined;
});

function rawRequest(packageId: number, trackingNumber: string): string {
  const body = JSON.stringify({
    query: MUTATION,
    variables: {
      input: { packageId: String(packageId), cargoCompanyId: "1", trackingNumber, transitionId: 41 },
    },
  });
  return (
    `POST /graphql HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** A raw keep-alive connection that collects everything the gateway writes. */
async function connect(
  url: string,
): Promise<{ socket: net.Socket; received: () => string; closed: Promise<void> }> {
  const { port } = new URL(url);
  const socket = net.connect(Number(port), "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  let text = "";
  socket.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  return { socket, received: () => text, closed };
}

describe("draining", () => {
  it("finishes a request in flight, answers it with Connection: close, and applies it once", async () => {
    h = await startHarness({}, { latencyMs: 300 });
    const busy = await connect(h.url);
    busy.socket.write(rawRequest(2501, "DRAIN-1"));
    await until(() => h?.sim.requests.length === 1, "the command to reach the OMS");

    const stopped = h.gateway.stop(20_000);
    await busy.closed;
    const answer = busy.received();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.toLowerCase()).toContain("\r\nconnection: close\r\n");
    expect(answer).toContain('"trackingNumber":"DRAIN-1"');
    expect(h.commands()).toHaveLength(1);
    expect(h.sim.getPackage(2501)?.shipment?.awb_number).toBe("DRAIN-1");
    // Ends with the work, not with the 20 s grace (the test's own timeout is shorter).
    await stopped;
  });

  it("refuses a request that arrives on an old connection after the drain began, before any OMS call", async () => {
    h = await startHarness({}, { latencyMs: 300 });
    const busy = await connect(h.url);
    busy.socket.write(rawRequest(2502, "DRAIN-FIRST"));
    await until(() => h?.sim.requests.length === 1, "the first command to reach the OMS");

    const stopped = h.gateway.stop(20_000);
    // Pipelined behind the first, on the same connection: it reaches the handler while draining.
    busy.socket.write(rawRequest(2503, "DRAIN-LATE"));
    await busy.closed;
    await stopped;
    expect(h.commands().map((c) => c.path)).toStrictEqual(["/api/v1/oms/packages/2502/command/"]);
    expect(h.sim.getPackage(2503)?.shipment?.awb_number).not.toBe("DRAIN-LATE");
    // Its answer went nowhere (the connection closed after the first, as that answer announced),
    // but it was refused, not run: RFC 9112 lets the client send it again elsewhere.
    expect(
      h.logs.filter((line) => line.msg === "request refused: the gateway is shutting down"),
    ).toHaveLength(1);
  });

  it("closes idle keep-alive connections at once and ends without waiting for the grace period", async () => {
    h = await startHarness();
    const idle = await connect(h.url);
    idle.socket.write("GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n");
    await until(() => idle.received().includes('{"status":"live"}'), "the first answer");
    expect(idle.received().toLowerCase()).toContain("connection: keep-alive");

    let stoppedAt = 0;
    const stopped = h.gateway.stop(20_000).then(() => {
      stoppedAt = Date.now();
    });
    await idle.closed;
    await stopped;
    expect(stoppedAt).toBeGreaterThan(0);
  });

  it("takes no new connection once the drain began; only the work in flight reaches the OMS", async () => {
    h = await startHarness({}, { latencyMs: 300 });
    const busy = await connect(h.url);
    busy.socket.write(rawRequest(2504, "DRAIN-A"));
    await until(() => h?.sim.requests.length === 1, "the command to reach the OMS");
    const stopped = h.gateway.stop(20_000);
    const late = await h
      .post("/graphql", JSON.stringify({ query: "{ __typename }" }))
      .catch((error: Error) => error);
    await busy.closed;
    await stopped;
    // The listener is closed by now: a new connection is refused outright, never served.
    expect(late).toBeInstanceOf(Error);
    expect(h.commands().map((c) => c.path)).toStrictEqual(["/api/v1/oms/packages/2504/command/"]);
  });
});
