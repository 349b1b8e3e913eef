/**
 * The circuit breaker with the resilience defaults, against a real fault server: it opens after
 * five connection failures, then refuses without connecting to the OMS, and one good probe after the
 * half-open delay closes it.
 */
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { BREAKER_OPEN, UPDATED, unreachable } from "../helpers/fault-rows.js";
import {
  COMMAND_PATH,
  type FaultGateway,
  FaultServer,
  PACKAGE_PATH,
  startFaultGateway,
} from "../helpers/fault-server.js";
import {
  expectedBody,
  GOOD_READ,
  INPUT,
  MUTATION,
  QUERY,
  RESILIENCE_DEFAULTS,
  requestId,
  watchCrashes,
} from "../helpers/fault-suite.js";

describe("the circuit breaker with the resilience defaults", () => {
  let fault: FaultServer;
  let gw: FaultGateway;
  const HALF_OPEN_MS = 1000;
  const crashes = watchCrashes();

  beforeAll(async () => {
    crashes.start();
    fault = await FaultServer.start();
    gw = await startFaultGateway(fault.url, {
      ...RESILIENCE_DEFAULTS.env,
      OMS_BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
    });
  });
  afterAll(async () => {
    crashes.stop();
    await gw?.close();
    await fault?.close();
  });

  it("opens after five connection failures, then fails fast with no connection to the OMS, and closes after a good probe", async () => {
    const unavailable = (message: string) => expectedBody({ code: "OMS_UNAVAILABLE", message }, "package");
    const refused = expectedBody(
      { code: "OMS_UNAVAILABLE", message: BREAKER_OPEN, reason: "OMS_CIRCUIT_OPEN" },
      "package",
    );
    fault.on("package", { kind: "resetAfterRequest" });
    // The breaker tells open from half-open by the date: frozen, it keeps the breaker open however
    // long this test takes on a busy machine, until the date is moved past the half-open delay.
    const openedAt = Date.now();
    const onlyTheDate = () => vi.useFakeTimers({ now: openedAt, toFake: ["Date"] });
    onlyTheDate();
    onTestFinished(() => {
      vi.useRealTimers();
    });

    // Three tries of the first read, two of the second: the fifth failure opens the breaker, which
    // refuses the second read's last try without calling the OMS.
    const first = requestId("breaker");
    expect
      .soft((await gw.gql(QUERY, { id: "1001" }, first)).body)
      .toStrictEqual(unavailable(unreachable("connection failed (ECONNRESET)")));
    expect(await gw.omsCalls(first)).toStrictEqual(Array(3).fill("GET package null"));
    const second = requestId("breaker");
    const opening = await gw.gql(QUERY, { id: "1001" }, second);
    expect(opening.body).toStrictEqual(refused);
    expect(await gw.omsCalls(second)).toStrictEqual(Array(2).fill("GET package null"));
    expect(fault.routes()).toStrictEqual(Array(5).fill(`GET ${PACKAGE_PATH}`));

    // The OMS is good again, but the breaker does not know yet: nothing may reach it.
    fault.reset();
    fault.closeIdle();
    await fault.waitForOpenSockets(0, 500);
    fault.clearRecords();
    // Fails fast: both are answered while no timer can fire, so neither waited for a backoff, a
    // deadline or a probe.
    vi.useRealTimers();
    vi.useFakeTimers({ now: openedAt, toFake: ["Date", "setTimeout", "clearTimeout"] });
    const read = await gw.gql(QUERY, { id: "1001" }, requestId("open"));
    const id = requestId("open");
    const command = await gw.gql(MUTATION, { input: INPUT }, id);
    vi.useRealTimers();
    onlyTheDate();
    expect(read.body).toStrictEqual(refused);
    expect(command.body).toStrictEqual(
      expectedBody(
        { code: "OMS_UNAVAILABLE", message: BREAKER_OPEN, reason: "OMS_CIRCUIT_OPEN" },
        "updatePackageShipment",
      ),
    );
    // Not sent, so nothing to verify: no verification read either.
    expect(await gw.omsCalls(id)).toStrictEqual([]);
    expect(fault.connections).toBe(0);
    expect(fault.requests).toStrictEqual([]);
    expect(await gw.getStatus("/health/live")).toBe(200);
    expect(gw.gateway.omsHttp.stats).toMatchObject({ pending: 0, running: 0 });

    // After the half-open delay one probe goes through; its success closes the breaker.
    vi.setSystemTime(openedAt + HALF_OPEN_MS - 1);
    expect((await gw.gql(QUERY, { id: "1001" })).body).toStrictEqual(refused);
    expect(fault.requests).toStrictEqual([]);
    vi.setSystemTime(openedAt + HALF_OPEN_MS);
    expect((await gw.gql(QUERY, { id: "1001" })).body).toStrictEqual({ data: GOOD_READ });
    expect((await gw.gql(MUTATION, { input: INPUT })).body).toStrictEqual({
      data: { updatePackageShipment: UPDATED },
    });
    expect(fault.routes()).toStrictEqual([`GET ${PACKAGE_PATH}`, `POST ${COMMAND_PATH}`]);
    expect(crashes.take()).toStrictEqual([]);
  });
});
