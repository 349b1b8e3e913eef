import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { type OmsSimulator, startSimulator } from "../src/simulator/index.js";
import { fakeClock, settled, untilIo } from "./helpers/fake-clock.js";
import { commandPath } from "./helpers/oms-paths.js";
import { until } from "./helpers/until.js";

let sim: OmsSimulator;
const authJson = { authorization: "Token demo-oms-token", "content-type": "application/json" };

beforeAll(async () => {
  sim = await startSimulator();
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

function command(target: OmsSimulator, id: number, awb = "NEW-1", signal?: AbortSignal) {
  return fetch(`${target.url}${commandPath(id)}`, {
    method: "POST",
    headers: authJson,
    body: JSON.stringify({ transition_id: 41, awb_number: awb, cargo_company: 2 }),
    signal,
  });
}

const read = (target: OmsSimulator, path: string, signal?: AbortSignal) =>
  fetch(`${target.url}${path}`, { headers: authJson, signal });

/** Closes `target` on a stopped clock: it must not wait for any timer, such as a latency or a timeout. */
async function closedWithoutWaiting(target: OmsSimulator): Promise<void> {
  const clock = fakeClock();
  try {
    const closing = settled(target.close());
    await untilIo(() => closing.done, "close() with the clock standing still");
    await closing.promise;
  } finally {
    clock.restore();
  }
}

async function withSimulator(
  options: Parameters<typeof startSimulator>[0],
  test: (s: OmsSimulator) => Promise<void>,
) {
  const own = await startSimulator(options);
  try {
    await test(own);
  } finally {
    await own.close();
  }
}

describe("injected faults", () => {
  it("answers a status fault instead, before auth, until its times run out", async () => {
    sim.injectFault({
      method: "post",
      path: commandPath(2001),
      times: 1,
      fault: {
        kind: "status",
        status: 503,
        body: "upstream down",
        headers: { "Content-Type": "text/plain", "Retry-After": "3" },
      },
    });
    const faulted = await fetch(`${sim.url}${commandPath(2001)}`, { method: "POST", body: "{}" });
    expect(faulted.status).toBe(503);
    expect(faulted.headers.get("content-type")).toBe("text/plain");
    expect(faulted.headers.get("retry-after")).toBe("3");
    expect(await faulted.text()).toBe("upstream down");
    expect(sim.getPackage(2001)?.shipment).toBeNull();
    expect((await command(sim, 2001)).status).toBe(204);
  });

  it("matches by method and by RegExp path, first rule first", async () => {
    sim.injectFault({
      method: "GET",
      path: /^\/api\/v1\/oms\/packages\/\d+\/$/,
      times: 2,
      fault: { kind: "status", status: 429 },
    });
    sim.injectFault({ path: /packages/, fault: { kind: "status", status: 502, body: "{}" } });
    expect((await read(sim, "/api/v1/oms/packages/1001/")).status).toBe(429);
    expect((await read(sim, "/api/v1/oms/packages/")).status).toBe(502);
    const emptyBody = await read(sim, "/api/v1/oms/packages/1002/");
    expect([emptyBody.status, await emptyBody.text()]).toEqual([429, ""]);
    expect((await read(sim, "/api/v1/oms/packages/1003/")).status).toBe(502);
    expect((await read(sim, "/api/v1/oms/cargo_companies/")).status).toBe(200);
    sim.clearFaults();
    expect((await read(sim, "/api/v1/oms/packages/1003/")).status).toBe(200);
  });

  it("hang: the request is read and never answered", async () => {
    sim.injectFault({ path: "/api/v1/oms/packages/1001/", times: 1, fault: { kind: "hang" } });
    const error = await read(sim, "/api/v1/oms/packages/1001/", AbortSignal.timeout(300)).catch(
      (e: Error) => e,
    );
    expect((error as Error).name).toBe("TimeoutError");
    expect(sim.requests.map((r) => r.path)).toEqual(["/api/v1/oms/packages/1001/"]);
    // The client gave up and closed its socket: the request no longer counts as in flight.
    await until(() => sim.stats.requestsInFlight === 0);
    expect((await read(sim, "/api/v1/oms/packages/1001/")).status).toBe(200);
  });

  it("reset: the socket is destroyed and nothing is applied", async () => {
    sim.injectFault({ path: commandPath(2010), times: 1, fault: { kind: "reset" } });
    await expect(command(sim, 2010)).rejects.toThrow("fetch failed");
    expect(sim.getPackage(2010)?.shipment).toBeNull();
    expect(sim.requests).toHaveLength(1);
    expect((await command(sim, 2010)).status).toBe(204);
  });

  it("resetAfterApply: the command takes effect but its answer is lost", async () => {
    sim.injectFault({ path: commandPath(2011), times: 1, fault: { kind: "resetAfterApply" } });
    await expect(command(sim, 2011, "LOST-1")).rejects.toThrow("fetch failed");
    expect(sim.getPackage(2011)?.shipment).toEqual({
      awb_number: "LOST-1",
      query_number: null,
      cargo_company: 2,
    });
    // The lock went with the command, so a retry is accepted.
    expect((await command(sim, 2011, "RETRY-1")).status).toBe(204);
    expect(sim.getPackage(2011)?.shipment?.awb_number).toBe("RETRY-1");
  });

  it("hangAfterApply: the command takes effect and no answer ever comes", async () => {
    sim.injectFault({ path: commandPath(2012), times: 1, fault: { kind: "hangAfterApply" } });
    const error = await command(sim, 2012, "HUNG-1", AbortSignal.timeout(300)).catch((e: Error) => e);
    expect((error as Error).name).toBe("TimeoutError");
    expect(sim.getPackage(2012)?.shipment?.awb_number).toBe("HUNG-1");
    expect((await command(sim, 2012, "AFTER-1")).status).toBe(204);
  });

  it("latency: delays the answer, then handles the request normally", async () => {
    sim.injectFault({ path: "/api/v1/oms/packages/1001/", times: 1, fault: { kind: "latency", ms: 250 } });
    // On a fake clock: no answer 1 ms before the latency has passed, the answer right after it; the
    // next read is answered with the clock standing still.
    const clock = fakeClock();
    onTestFinished(() => clock.restore());
    const slow = settled(read(sim, "/api/v1/oms/packages/1001/"));
    await untilIo(() => sim.stats.requestsInFlight === 1, "the read to arrive");
    await clock.advance(249);
    expect(slow.done).toBe(false);
    await clock.advance(1);
    expect((await slow.promise).status).toBe(200);
    const quick = settled(read(sim, "/api/v1/oms/packages/1001/"));
    await untilIo(() => quick.done, "the next read, with the clock standing still");
    expect((await quick.promise).status).toBe(200);
    clock.restore();
  });
});

describe("package lock", () => {
  it("refuses a second command on a package while the first runs", async () => {
    sim.injectFault({ path: commandPath(2020), times: 1, fault: { kind: "latency", ms: 300 } });
    const first = command(sim, 2020, "FIRST-1");
    await until(() => sim.stats.commandsInFlight === 1 && sim.requests.length === 1);
    await new Promise((resolve) => setTimeout(resolve, 20));

    const second = await command(sim, 2020, "SECOND-1");
    expect(second.status).toBe(406);
    expect(await second.json()).toEqual({
      error: {
        code: "package_locked",
        message: "Package 2020 is locked by another command; try again later.",
      },
    });
    // The change is applied at the end of the command, not when it is accepted.
    expect(sim.getPackage(2020)?.shipment).toBeNull();
    expect((await command(sim, 2021)).status).toBe(204);

    expect((await first).status).toBe(204);
    expect(sim.getPackage(2020)?.shipment?.awb_number).toBe("FIRST-1");
    expect((await command(sim, 2020, "THIRD-1")).status).toBe(204);
  });

  it("holds the lock through latencyMs: of two overlapping commands one wins", async () => {
    await withSimulator({ latencyMs: 200 }, async (slow) => {
      const answers = await Promise.all([command(slow, 1001, "A-1"), command(slow, 1001, "B-1")]);
      const statuses = answers.map((res) => res.status);
      expect([...statuses].sort()).toEqual([204, 406]);
      const loser = answers[statuses.indexOf(406)] as Response;
      expect(((await loser.json()) as { error: { code: string } }).error.code).toBe("package_locked");
      const winner = statuses.indexOf(204) === 0 ? "A-1" : "B-1";
      expect(slow.getPackage(1001)?.shipment?.awb_number).toBe(winner);
    });
  });

  it("drops a command's change when reset() runs while it is in flight", async () => {
    sim.injectFault({ path: commandPath(1001), times: 1, fault: { kind: "latency", ms: 200 } });
    const pending = command(sim, 1001, "BEFORE-RESET");
    await until(() => sim.stats.commandsInFlight === 1);
    sim.reset();
    expect((await pending).status).toBe(204);
    expect(sim.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
    expect((await command(sim, 1001, "AFTER-RESET")).status).toBe(204);
  });
});

describe("stats", () => {
  it("measures how many commands and requests overlapped", async () => {
    await withSimulator({ latencyMs: 250 }, async (slow) => {
      expect(slow.stats).toEqual({
        commandsInFlight: 0,
        maxCommandsInFlight: 0,
        requestsInFlight: 0,
        maxRequestsInFlight: 0,
      });
      const commands = [2000, 2001, 2002, 2003, 2004].map((id) => command(slow, id));
      const reads = [1001, 1002, 1003].map((id) => read(slow, `/api/v1/oms/packages/${id}/`));
      await until(() => slow.stats.requestsInFlight === 8);
      expect(slow.stats).toEqual({
        commandsInFlight: 5,
        maxCommandsInFlight: 5,
        requestsInFlight: 8,
        maxRequestsInFlight: 8,
      });
      const answers = await Promise.all([...commands, ...reads]);
      expect(answers.map((res) => res.status)).toEqual([204, 204, 204, 204, 204, 200, 200, 200]);
      await until(() => slow.stats.requestsInFlight === 0);
      expect(slow.stats).toEqual({
        commandsInFlight: 0,
        maxCommandsInFlight: 5,
        requestsInFlight: 0,
        maxRequestsInFlight: 8,
      });
      slow.reset();
      expect(slow.stats.maxRequestsInFlight).toBe(0);
    });
  });

  it("counts a rejected command as a command, and reads only as requests", async () => {
    await command(sim, 1005);
    await read(sim, "/api/v1/oms/packages/");
    expect(sim.stats).toEqual({
      commandsInFlight: 0,
      maxCommandsInFlight: 1,
      requestsInFlight: 0,
      maxRequestsInFlight: 1,
    });
  });
});

describe("close()", () => {
  it("resolves with a hung request open and cuts it off", async () => {
    const own = await startSimulator();
    own.injectFault({ fault: { kind: "hang" } });
    const hung = command(own, 1001).then(
      () => "answered",
      () => "failed",
    );
    await until(() => own.stats.requestsInFlight === 1);
    await closedWithoutWaiting(own);
    expect(await hung).toBe("failed");
    await expect(read(own, "/api/v1/oms/packages/1001/")).rejects.toThrow("fetch failed");
    await own.close();
  });

  it("cancels a pending latency so nothing runs after it", async () => {
    const own = await startSimulator({ latencyMs: 5000 });
    const pending = command(own, 1001, "NEVER").then(
      () => "answered",
      () => "failed",
    );
    await until(() => own.stats.commandsInFlight === 1);
    await closedWithoutWaiting(own);
    expect(await pending).toBe("failed");
    expect(own.getPackage(1001)?.shipment?.awb_number).toBe("YK1001");
  });
});
