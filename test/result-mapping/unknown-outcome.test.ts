/**
 * The contract's result mapping over real HTTP for a command without a usable answer (5xx, a missed
 * deadline, nothing listening, a redirect): OMS_OUTCOME_UNKNOWN after a verification read, or
 * OMS_UNAVAILABLE when nothing can have been applied, and exactly what was sent to find out.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { PackageSummaryDocument, UpdateShipmentOnlyDocument } from "../generated/operations.js";
import { closedPort } from "../helpers/closed-port.js";
import { fakeClock, settled, untilIo } from "../helpers/fake-clock.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { commandPath, packagePath } from "../helpers/oms-paths.js";
import {
  expectCommandSent,
  GET_1001,
  input,
  mappingGateway,
  onNextCommand,
  POST_1001,
  routes,
} from "../helpers/result-mapping.js";

// ---------------------------------------------------------------------------------------------
// Helpers

/** A loopback server that records whatever reaches it, to prove that nothing did. */
async function startBystander(): Promise<{ url: string; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server = http.createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const gw = mappingGateway();

describe("commands without a usable answer", () => {
  it("a 500 on the command is OMS_OUTCOME_UNKNOWN after one verification read, and the command is never sent twice", async () => {
    gw.h.sim.injectFault(
      onNextCommand({
        kind: "status",
        status: 500,
        body: "<h1>Server Error (500)</h1>",
        headers: { "content-type": "text/html" },
      }),
    );

    const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

    expect(res.status).toBe(200);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: "The OMS answered the command with status 500; it may or may not have been applied.",
      path: ["updatePackageShipment"],
      extensions: { code: "OMS_OUTCOME_UNKNOWN" },
    });
    expect(res.text).not.toContain("Server Error");
    expect(routes(gw.h)).toStrictEqual([POST_1001, GET_1001]);
    expectCommandSent(gw.h.commands()[0], 1001, {
      transition_id: 41,
      awb_number: "AR-2026-0001",
      cargo_company: 2,
    });
  });

  describe("with a 300 ms OMS deadline", () => {
    let t: Harness;
    beforeAll(async () => {
      t = await startHarness({ OMS_TIMEOUT_MS: "300" });
    });
    afterAll(() => t.close());
    beforeEach(() => t.sim.reset());

    it("a command that hangs unapplied is OMS_OUTCOME_UNKNOWN after a verification read", async () => {
      t.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault: { kind: "hang" } });

      // On a fake clock: no answer 1 ms before the deadline, the answer right at it.
      const clock = fakeClock();
      onTestFinished(() => clock.restore());
      const answer = settled(
        t.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "HANG-1" }) }),
      );
      await untilIo(() => t.commands().length === 1, "the command to reach the OMS");
      await clock.advance(299);
      expect(answer.done).toBe(false);
      await clock.advance(1);
      const res = await answer.promise;
      clock.restore();

      expect(res.status).toBe(200);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The OMS did not answer the command in time; it may or may not have been applied.",
        path: ["updatePackageShipment"],
        extensions: { code: "OMS_OUTCOME_UNKNOWN" },
      });
      expect(routes(t)).toStrictEqual([POST_1001, GET_1001]);
      expectCommandSent(t.commands()[0], 1001, { transition_id: 41, awb_number: "HANG-1", cargo_company: 2 });
    });

    it("a command whose connection is reset unapplied is OMS_OUTCOME_UNKNOWN after a verification read", async () => {
      t.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault: { kind: "reset" } });

      const res = await t.gql(UpdateShipmentOnlyDocument, { input: input({ trackingNumber: "RESET-1" }) });

      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_OUTCOME_UNKNOWN" });
      expect(routes(t)).toStrictEqual([POST_1001, GET_1001]);
    });

    it("a lost command is not verified by a package that still holds another query number", async () => {
      // 1002 holds AR1002 / Q-1002 / Aras. The caller asks for AR1002 / Aras with no query number, which
      // the command would clear; the command hangs unapplied, so the package still shows Q-1002.
      t.sim.injectFault({ method: "POST", path: commandPath(1002), times: 1, fault: { kind: "hang" } });

      const res = await t.gql(UpdateShipmentOnlyDocument, {
        input: input({ packageId: "1002", cargoCompanyId: "2", trackingNumber: "AR1002", transitionId: 42 }),
      });

      expect(t.sim.getPackage(1002)?.shipment).toStrictEqual({
        awb_number: "AR1002",
        query_number: "Q-1002",
        cargo_company: 2,
      });
      expect(routes(t)).toStrictEqual([`POST ${commandPath(1002)}`, `GET ${packagePath(1002)}`]);
      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_OUTCOME_UNKNOWN" });
    });

    it.each(["resetAfterApply", "hangAfterApply"] as const)(
      "a command applied but answered by %s is ShipmentUpdated, verified by reading the package",
      async (kind) => {
        t.sim.injectFault({ method: "POST", path: commandPath(1001), times: 1, fault: { kind } });

        const res = await t.gql(UpdateShipmentOnlyDocument, {
          input: input({ trackingNumber: `LOST-${kind}`, queryNumber: "Q-LOST" }),
        });

        expect(res.body.errors).toBeUndefined();
        expect(res.body.data?.updatePackageShipment).toStrictEqual({
          __typename: "ShipmentUpdated",
          shipment: { trackingNumber: `LOST-${kind}`, queryNumber: "Q-LOST" },
        });
        expect(routes(t)).toStrictEqual([POST_1001, GET_1001]);
        expect(t.commands()).toHaveLength(1);
      },
    );
  });

  describe("with nothing listening at OMS_BASE_URL", () => {
    let refused: Harness;
    beforeAll(async () => {
      refused = await startHarness({ OMS_BASE_URL: `http://127.0.0.1:${await closedPort()}` });
    });
    afterAll(() => refused.close());

    it("a read is OMS_UNAVAILABLE", async () => {
      const res = await refused.gql(PackageSummaryDocument, { id: "1001" });

      expect(res.status).toBe(200);
      expect(res.body.data).toStrictEqual({ package: null });
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAVAILABLE" });
      expect(res.body.errors?.[0]?.message).toMatch(/^The OMS could not be reached: connection failed/);
      expect(res.text).not.toContain("127.0.0.1");
    });

    it("a command is OMS_UNAVAILABLE, not OMS_OUTCOME_UNKNOWN: it never left the gateway", async () => {
      const res = await refused.gql(UpdateShipmentOnlyDocument, { input: input() });

      expect(res.body.data).toBeNull();
      expect(res.body.errors?.[0]?.extensions).toStrictEqual({ code: "OMS_UNAVAILABLE" });
      expect(res.text).not.toContain("127.0.0.1");
      // The harness's own simulator is not where the gateway points.
      expect(refused.sim.requests).toHaveLength(0);
    });
  });

  describe("a redirect from the OMS", () => {
    let bystander: Awaited<ReturnType<typeof startBystander>>;
    beforeAll(async () => {
      bystander = await startBystander();
    });
    afterAll(() => bystander.close());

    it("is not followed on a command: OMS_OUTCOME_UNKNOWN after one verification read of the OMS itself, and the other server receives nothing", async () => {
      gw.h.sim.injectFault(
        onNextCommand({
          kind: "status",
          status: 307,
          headers: { location: `${bystander.url}${commandPath(1001)}` },
        }),
      );

      const res = await gw.h.gql(UpdateShipmentOnlyDocument, { input: input() });

      expect(res.status).toBe(200);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The OMS answered the command with status 307; it may or may not have been applied.",
        extensions: { code: "OMS_OUTCOME_UNKNOWN" },
      });
      expect(res.text).not.toContain(bystander.url);
      expect(routes(gw.h)).toStrictEqual([POST_1001, GET_1001]);
      expect(gw.h.commands()).toHaveLength(1);
      expect(bystander.hits).toStrictEqual([]);
    });

    it("is not followed on a read: OMS_UNAVAILABLE, and the other server receives nothing", async () => {
      gw.h.sim.injectFault({
        method: "GET",
        path: packagePath(1001),
        times: 1,
        fault: { kind: "status", status: 307, headers: { location: `${bystander.url}${packagePath(1001)}` } },
      });

      const res = await gw.h.gql(PackageSummaryDocument, { id: "1001" });

      expect(res.status).toBe(200);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors?.[0]).toMatchObject({
        message: "The OMS answered with an unexpected status (307).",
        extensions: { code: "OMS_UNAVAILABLE" },
      });
      expect(res.text).not.toContain(bystander.url);
      expect(routes(gw.h)).toStrictEqual([GET_1001]);
      expect(bystander.hits).toStrictEqual([]);
    });
  });
});
