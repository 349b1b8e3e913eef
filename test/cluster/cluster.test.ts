/**
 * oms-graph scaled out as `npm run cluster` starts it: two replicas sharing Redis behind haproxy,
 * Hive Gateway as the router, one OMS (the standalone simulator, whose access log counts every
 * command it received). A keyed retry served by the other replica replays the first answer; a bulk
 * load spreads over both replicas; a replica killed (SIGKILL) mid-load loses nothing: every keyed
 * request, retried as an integrator would, ends with an answer that matches what the OMS applied,
 * and no package got a command twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  appliedCommands,
  balancerLine,
  classifyRouterAnswer,
  omsTrackingNumber,
  postToRouter,
  replicaLog,
  SKIP_CLUSTER,
  startTestCluster,
  type TestCluster,
} from "../helpers/cluster.js";
import { type LoadRequest, runKeyedLoad } from "./load.js";

const SINGLE = `mutation Single($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber } }
  }
}`;

const BULK = `mutation Bulk($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) {
    __typename
    ... on ShipmentUpdated { shipment { trackingNumber } }
    ... on CommandFailed { code outcomeKnown }
  }
}`;

const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const CALLER_ONE = { authorization: "Bearer caller-one" };
const CALLER_TWO = { authorization: "Bearer caller-two" };
/** Programs' lines arrive a moment after the answers they go with, later on a busy machine. */
const POLL = { timeout: 10_000 };

describe.skipIf(SKIP_CLUSTER)("two replicas sharing Redis behind a router", { timeout: 60_000 }, () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster({
      // A replica killed mid-request holds its keys for twice this: the retries wait that long.
      replicaEnv: { OMS_TIMEOUT_MS: "1000" },
      // Every OMS call takes a little while, so a replica killed under load has requests in flight.
      simulatorEnv: { OMS_SIMULATOR_LATENCY_MS: "25" },
    });
  }, 120_000);

  afterAll(async () => {
    await cluster?.close();
  });

  async function servedBy(requestId: string): Promise<string> {
    await expect.poll(() => balancerLine(cluster, requestId), POLL).toBeDefined();
    return balancerLine(cluster, requestId)?.replica as string;
  }

  it("sends a keyed mutation to one replica and its retry to the other, which replays it: one OMS command", async () => {
    const input = { packageId: "2001", cargoCompanyId: "2", trackingNumber: "AR-CLUSTER-KEYED" };
    const headers = { ...CALLER_ONE, "idempotency-key": "cluster-keyed-1", traceparent: TRACEPARENT };
    const first = await postToRouter(
      cluster,
      SINGLE,
      { input },
      { ...headers, "x-request-id": "keyed-first" },
    );
    expect(first.body).toEqual({
      data: {
        updatePackageShipment: {
          __typename: "ShipmentUpdated",
          shipment: { trackingNumber: input.trackingNumber },
        },
      },
    });
    const firstReplica = await servedBy("keyed-first");
    // The router passed the caller's headers on: haproxy saw them, and the replica logged the request id.
    expect(balancerLine(cluster, "keyed-first")).toMatchObject({
      path: "/subgraph",
      status: 200,
      traceparent: TRACEPARENT,
      idempotencyKey: true,
    });
    await expect
      .poll(() => replicaLog(cluster, firstReplica, "keyed-first")?.outcome, POLL)
      .toBe("ShipmentUpdated");

    // Round robin sends the very next request to the other replica; a few more tries allow for a stray one.
    let retryId = "";
    for (let n = 1; n <= 4; n++) {
      retryId = `keyed-retry-${n}`;
      const retry = await postToRouter(cluster, SINGLE, { input }, { ...headers, "x-request-id": retryId });
      expect(retry.body).toEqual(first.body);
      if ((await servedBy(retryId)) !== firstReplica) break;
    }
    const retryReplica = await servedBy(retryId);
    expect(retryReplica).not.toBe(firstReplica);
    await expect.poll(() => replicaLog(cluster, retryReplica, retryId)?.outcome, POLL).toBe("replayed");
    expect(replicaLog(cluster, retryReplica, retryId)?.oms).toEqual([]);
    await expect.poll(() => appliedCommands(cluster, 2001).length, POLL).toBe(1);
    expect(await omsTrackingNumber(cluster, 2001)).toBe(input.trackingNumber);
  });

  it("scopes a key by the Authorization the router passes on: another caller's same key is its own", async () => {
    const key = { "idempotency-key": "cluster-shared-key" };
    const mine = { packageId: "2002", cargoCompanyId: "1", trackingNumber: "YK-CLUSTER-MINE" };
    const theirs = { packageId: "2003", cargoCompanyId: "1", trackingNumber: "YK-CLUSTER-THEIRS" };
    const first = await postToRouter(cluster, SINGLE, { input: mine }, { ...CALLER_ONE, ...key });
    expect(first.body.data.updatePackageShipment.__typename).toBe("ShipmentUpdated");
    const other = await postToRouter(cluster, SINGLE, { input: theirs }, { ...CALLER_TWO, ...key });
    expect(other.body.data.updatePackageShipment.__typename).toBe("ShipmentUpdated");
    const reused = await postToRouter(cluster, SINGLE, { input: theirs }, { ...CALLER_ONE, ...key });
    expect(reused.body.errors[0].extensions).toMatchObject({
      code: "IDEMPOTENCY_KEY_REUSED",
      serviceName: "packages",
    });
    await expect.poll(() => appliedCommands(cluster, 2002).length, POLL).toBe(1);
    await expect.poll(() => appliedCommands(cluster, 2003).length, POLL).toBe(1);
  });

  it("spreads a bulk load over both replicas, each package commanded once", async () => {
    const chunks = Array.from({ length: 6 }, (_, chunk) =>
      Array.from({ length: 10 }, (_, i) => ({
        packageId: String(2100 + chunk * 10 + i),
        cargoCompanyId: "3",
        trackingNumber: `MN-BULK-${chunk}-${i}`,
      })),
    );
    const answers = await Promise.all(
      chunks.map((inputs, chunk) =>
        postToRouter(
          cluster,
          BULK,
          { inputs },
          {
            ...CALLER_ONE,
            "idempotency-key": `cluster-bulk-${chunk}`,
            "x-request-id": `bulk-${chunk}`,
          },
        ),
      ),
    );
    for (const [chunk, answer] of answers.entries()) {
      expect(answer.body.data.updatePackageShipments).toEqual(
        chunks[chunk]?.map((input) => ({
          __typename: "ShipmentUpdated",
          shipment: { trackingNumber: input.trackingNumber },
        })),
      );
    }
    const replicas = await Promise.all(chunks.map((_, chunk) => servedBy(`bulk-${chunk}`)));
    expect(new Set(replicas)).toEqual(new Set(["a", "b"]));
    await expect
      .poll(() => chunks.flat().filter((i) => appliedCommands(cluster, i.packageId).length > 0).length, POLL)
      .toBe(60);
    for (const input of chunks.flat()) {
      expect(appliedCommands(cluster, input.packageId), input.packageId).toHaveLength(1);
      expect(await omsTrackingNumber(cluster, input.packageId)).toBe(input.trackingNumber);
    }
  });

  it("loses nothing when a replica is killed mid-load: every answer matches the OMS, no command twice", async () => {
    const requests: LoadRequest[] = Array.from({ length: 60 }, (_, n) => {
      const size = n % 4 === 3 ? 3 : 1;
      const items = Array.from({ length: size }, (_, i) => ({
        packageId: String(2300 + n * 3 + i),
        cargoCompanyId: "4",
        trackingNumber: `PT-KILL-${n}-${i}`,
      }));
      return {
        kind: size === 1 ? "single" : "bulk",
        query: size === 1 ? SINGLE : BULK,
        variables: size === 1 ? { input: items[0] } : { inputs: items },
        items,
        headers: { ...(n % 2 === 0 ? CALLER_ONE : CALLER_TWO), "idempotency-key": `cluster-kill-${n}` },
      };
    });
    const victim = cluster.replicas[0];
    const report = await runKeyedLoad(cluster, requests, {
      concurrency: 8,
      // Mid-load: a quarter of the requests answered, the rest still to come or in flight.
      onAnswered: (answered) => {
        if (answered === 15) void victim.service.stop("SIGKILL");
      },
      classify: classifyRouterAnswer,
    });
    console.log(`killed replica ${victim.name} mid-load: ${JSON.stringify(report.summary)}`);
    expect(victim.service.running).toBe(false);
    // The kill must have caught requests in flight, or this would prove nothing.
    expect(report.summary.lostAttempts).toBeGreaterThan(0);

    const wrong: string[] = [];
    for (const { request, finals } of report.results) {
      for (const [i, item] of request.items.entries()) {
        const final = finals[i];
        const applied = appliedCommands(cluster, item.packageId).length;
        const holds = (await omsTrackingNumber(cluster, item.packageId)) === item.trackingNumber;
        const truthful =
          applied <= 1 &&
          (final?.class === "updated"
            ? applied === 1 && holds
            : ["not-run", "not-applied"].includes(final?.class ?? "") && applied === 0);
        if (!truthful)
          wrong.push(`${item.packageId}: answered ${final?.class} ${final?.code}, applied ${applied}x`);
      }
    }
    expect(wrong).toEqual([]);
  });
});
