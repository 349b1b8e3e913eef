/**
 * What /metrics shows after faults: top-level GraphQL errors by code (an OMS_UNAVAILABLE query
 * answers HTTP 200, and is still counted), refusals before GraphQL runs, bulk item outcomes, the
 * idempotency store's hits, replays, conflicts, entries and errors, the breaker opening and the
 * replica unready; and no
 * series labelled by a caller, a package or a request.
 */
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closedPort } from "./helpers/closed-port.js";
import { type Harness, startHarness } from "./helpers/harness.js";
import { newKey } from "./helpers/idempotency-key.js";
import { commandPath, packagePath } from "./helpers/oms-paths.js";

const API_KEY = "metrics-fault-key-0123456789";
const AUTH = { authorization: `Bearer ${API_KEY}` };

const SINGLE = `mutation One($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) { __typename }
}`;
const BULK = `mutation Many($inputs: [UpdatePackageShipmentInput!]!) {
  updatePackageShipments(inputs: $inputs) { __typename ... on CommandFailed { code outcomeKnown } }
}`;
const shipment = (packageId: number, trackingNumber: string, transitionId = 41) => ({
  packageId: String(packageId),
  cargoCompanyId: "1",
  trackingNumber,
  transitionId,
});

async function scrape(h: Harness): Promise<string> {
  const res = await request(`${h.url}/metrics`);
  return res.body.text();
}

/** The value of one series, exactly as labelled; undefined when it is absent. */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("after a run of faults", () => {
  let h: Harness;
  let text: string;
  const headers = (requestId: string, extra: Record<string, string> = {}) => ({
    ...AUTH,
    "x-request-id": requestId,
    ...extra,
  });

  beforeAll(async () => {
    h = await startHarness({
      API_KEYS: API_KEY,
      OMS_BREAKER_THRESHOLD: "3",
      OMS_BREAKER_HALF_OPEN_MS: "600000",
    });

    // A read the OMS fails: HTTP 200, OMS_UNAVAILABLE in errors.
    h.sim.injectFault({
      method: "GET",
      path: packagePath(1001),
      times: 1,
      fault: { kind: "status", status: 503 },
    });
    const unavailable = await h.gql('{ package(id: "1001") { id } }', undefined, headers("mf-unavailable"));
    expect(unavailable.status).toBe(200);
    expect(unavailable.body.errors?.[0]?.extensions?.code).toBe("OMS_UNAVAILABLE");

    // A command answered 500: sent, and the verification read shows nothing changed.
    h.sim.injectFault({
      method: "POST",
      path: commandPath(1002),
      times: 1,
      fault: { kind: "status", status: 500 },
    });
    const unknown = await h.gql(SINGLE, { input: shipment(1002, "MF-1", 42) }, headers("mf-unknown"));
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe("OMS_OUTCOME_UNKNOWN");

    // A bulk call: one applied, one rejected by the OMS, one whose outcome is unknown.
    h.sim.injectFault({
      method: "POST",
      path: commandPath(2003),
      times: 1,
      fault: { kind: "status", status: 500 },
    });
    const bulk = await h.gql(
      BULK,
      { inputs: [shipment(2001, "MF-B1"), shipment(2002, "MF-B2", 50), shipment(2003, "MF-B3")] },
      headers("mf-bulk"),
    );
    expect(bulk.body.data).toEqual({
      updatePackageShipments: [
        { __typename: "ShipmentUpdated" },
        { __typename: "CommandRejected" },
        { __typename: "CommandFailed", code: "OMS_OUTCOME_UNKNOWN", outcomeKnown: false },
      ],
    });

    // A caller without a key, refused before GraphQL runs.
    const refused = await h.gql('{ package(id: "1001") { id } }', undefined, { "x-request-id": "mf-no-key" });
    expect(refused.status).toBe(401);

    // Idempotency-Key: a new key, its replay, and the same key for another request.
    const key = newKey();
    const first = await h.gql(
      SINGLE,
      { input: shipment(2004, "MF-K1") },
      headers("mf-key-1", { "idempotency-key": key }),
    );
    const replay = await h.gql(
      SINGLE,
      { input: shipment(2004, "MF-K1") },
      headers("mf-key-2", { "idempotency-key": key }),
    );
    const reused = await h.gql(
      SINGLE,
      { input: shipment(2005, "MF-K2") },
      headers("mf-key-3", { "idempotency-key": key }),
    );
    expect([first.status, replay.headers["idempotent-replayed"], reused.status]).toEqual([200, "true", 422]);

    // The OMS fails three reads in a row: the breaker opens and refuses the fourth.
    h.sim.injectFault({ method: "GET", path: packagePath(1003), fault: { kind: "status", status: 503 } });
    for (const n of [1, 2, 3])
      await h.gql('{ package(id: "1003") { id } }', undefined, headers(`mf-fail-${n}`));
    const open = await h.gql('{ package(id: "1004") { id } }', undefined, headers("mf-open"));
    expect(open.body.errors?.[0]?.extensions).toMatchObject({
      code: "OMS_UNAVAILABLE",
      reason: "OMS_CIRCUIT_OPEN",
    });

    // The load balancer's check, whose answer the scrape reports.
    const ready = await request(`${h.url}/health/ready`);
    expect(ready.statusCode).toBe(503);
    await ready.body.dump();

    text = await scrape(h);
  });
  afterAll(() => h.close());

  it("counts top-level errors by code, those in an HTTP 200 and those refused before GraphQL", () => {
    // The first read, three failing reads and the refusal by the open breaker.
    expect(seriesValue(text, 'oms_graph_graphql_errors_total{code="OMS_UNAVAILABLE"}')).toBe(5);
    expect(seriesValue(text, 'oms_graph_graphql_errors_total{code="OMS_OUTCOME_UNKNOWN"}')).toBe(1);
    expect(seriesValue(text, 'oms_graph_graphql_errors_total{code="UNAUTHENTICATED"}')).toBe(1);
    expect(seriesValue(text, 'oms_graph_graphql_errors_total{code="IDEMPOTENCY_KEY_REUSED"}')).toBe(1);
    expect(
      seriesValue(
        text,
        'oms_graph_http_request_duration_seconds_count{endpoint="/graphql",operation="query package",status="200"}',
      ),
    ).toBe(5);
  });

  it("counts bulk item outcomes, and outcomes unknown by code", () => {
    expect(seriesValue(text, 'oms_graph_bulk_items_total{result="ShipmentUpdated"}')).toBe(1);
    expect(seriesValue(text, 'oms_graph_bulk_items_total{result="CommandRejected"}')).toBe(1);
    expect(seriesValue(text, 'oms_graph_bulk_items_total{result="CommandFailed"}')).toBe(1);
    expect(
      seriesValue(
        text,
        'oms_graph_mutation_results_total{mutation="updatePackageShipments",result="CommandFailed",code="OMS_OUTCOME_UNKNOWN"}',
      ),
    ).toBe(1);
  });

  it("counts the idempotency store's misses, hits, replays and conflicts, and what it holds", () => {
    expect(seriesValue(text, 'oms_graph_idempotency_lookups_total{result="miss"}')).toBe(1);
    expect(seriesValue(text, 'oms_graph_idempotency_lookups_total{result="hit"}')).toBe(2);
    expect(seriesValue(text, "oms_graph_idempotency_replays_total")).toBe(1);
    expect(seriesValue(text, 'oms_graph_idempotency_conflicts_total{reason="reused"}')).toBe(1);
    expect(seriesValue(text, "oms_graph_idempotency_entries")).toBe(1);
    expect(seriesValue(text, "oms_graph_idempotency_stored_bytes")).toBeGreaterThan(0);
    expect(seriesValue(text, "oms_graph_idempotency_store_up")).toBe(1);
  });

  it("shows the breaker open and the failed OMS calls", () => {
    expect(seriesValue(text, "oms_graph_oms_breaker_state")).toBe(2);
    // What /health/ready answered while the breaker was open.
    expect(seriesValue(text, "oms_graph_ready")).toBe(0);
    expect(seriesValue(text, 'oms_graph_oms_call_duration_seconds_count{route="package",status="503"}')).toBe(
      4,
    );
    expect(seriesValue(text, 'oms_graph_oms_call_duration_seconds_count{route="command",status="500"}')).toBe(
      2,
    );
  });

  it("labels no series by caller, package or request", () => {
    const series = text.split("\n").filter((line) => !line.startsWith("#"));
    expect(series.filter((line) => /key:|router:|mf-|MF-|"100\d"|"200\d"/.test(line))).toEqual([]);
  });
});

describe("with the idempotency store unreachable", () => {
  it("counts the store errors before a run, and shows the store down", async () => {
    const h = await startHarness({ REDIS_URL: `redis://127.0.0.1:${await closedPort()}` });
    try {
      const res = await h.gql(SINGLE, { input: shipment(2006, "MF-R1") }, { "idempotency-key": newKey() });
      expect(res.status).toBe(503);
      expect(h.commands()).toEqual([]);
      const ready = await request(`${h.url}/health/ready`);
      expect(ready.statusCode).toBe(200);
      await ready.body.dump();
      const text = await scrape(h);
      expect(seriesValue(text, 'oms_graph_idempotency_store_errors_total{stage="before_run"}')).toBe(1);
      expect(seriesValue(text, 'oms_graph_graphql_errors_total{code="IDEMPOTENCY_STORE_UNAVAILABLE"}')).toBe(
        1,
      );
      expect(seriesValue(text, "oms_graph_idempotency_store_up")).toBe(0);
      // Only keyed mutations need the store: the replica stays ready.
      expect(seriesValue(text, "oms_graph_ready")).toBe(1);
      // Redis's records are every replica's: not counted by each one.
      expect(seriesValue(text, "oms_graph_idempotency_entries")).toBeUndefined();
    } finally {
      await h.close();
    }
  });
});
