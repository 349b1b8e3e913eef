/** What /metrics tells an operator after a few requests, read as Prometheus text. */
import { Counter, Histogram, Registry } from "prom-client";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Metrics } from "../src/metrics.js";
import { type Harness, startHarness } from "./helpers/harness.js";

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

const command = (packageId: string, cargoCompanyId: string) =>
  `mutation { updatePackageShipment(input: {packageId: "${packageId}", cargoCompanyId: "${cargoCompanyId}", trackingNumber: "M-1", transitionId: 41}) { __typename } }`;

it("labels requests by operation type and root fields, and counts business outcomes and OMS calls", async () => {
  await h.gql(command("1001", "1"));
  await h.gql(command("1001", "99"));
  await h.gql(command("1002", "1"));
  await h.gql('query ClientChosenName { package(id: "1002") { id } cargoCompanies { id } }');
  const res = await request(`${h.url}/metrics`);
  expect(res.headers["content-type"]).toMatch(/^text\/plain/);
  const text = await res.body.text();

  expect(text).toContain(
    'oms_graph_http_request_duration_seconds_count{endpoint="/graphql",operation="mutation updatePackageShipment",status="200"} 3',
  );
  expect(text).toContain(
    'oms_graph_http_request_duration_seconds_count{endpoint="/graphql",operation="query cargoCompanies,package",status="200"} 1',
  );
  // The client's own operation name never becomes a label value.
  expect(text).not.toContain("ClientChosenName");
  expect(text).toContain(
    'oms_graph_mutation_results_total{mutation="updatePackageShipment",result="ShipmentUpdated",code=""} 1',
  );
  expect(text).toContain(
    'oms_graph_mutation_results_total{mutation="updatePackageShipment",result="ValidationError",code="OMS_VALIDATION"} 1',
  );
  expect(text).toContain(
    'oms_graph_mutation_results_total{mutation="updatePackageShipment",result="CommandRejected",code="transition_state_mismatch"} 1',
  );
  expect(text).toMatch(/^oms_graph_oms_call_duration_seconds_count\{route="command",status="204"\} 1$/m);
  expect(text).toMatch(/^oms_graph_oms_call_duration_seconds_count\{route="command",status="400"\} 1$/m);
  expect(text).toMatch(/^oms_graph_oms_call_duration_seconds_count\{route="command",status="406"\} 1$/m);
  expect(text).toMatch(/^oms_graph_oms_breaker_state 0$/m);
});

it("folds OMS rejection codes it does not know into one series, and still answers with the OMS's code", async () => {
  const rejectedWith = (code: string) => ({
    method: "POST",
    path: "/api/v1/oms/packages/1001/command/",
    times: 1,
    fault: {
      kind: "status" as const,
      status: 406,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ error: { code, message: "Not now." } }),
    },
  });
  const codes: unknown[] = [];
  for (const code of ["warehouse_closed", "carrier_paused_2026_11", "package_locked"]) {
    h.sim.injectFault(rejectedWith(code));
    const res = await h.gql(
      'mutation { updatePackageShipment(input: {packageId: "1001", cargoCompanyId: "1", trackingNumber: "M-2", transitionId: 41}) { ... on CommandRejected { code } } }',
    );
    codes.push(res.body.data);
  }
  expect(codes).toStrictEqual([
    { updatePackageShipment: { code: "warehouse_closed" } },
    { updatePackageShipment: { code: "carrier_paused_2026_11" } },
    { updatePackageShipment: { code: "package_locked" } },
  ]);
  const text = await (await request(`${h.url}/metrics`)).body.text();
  expect(text).toContain(
    'oms_graph_mutation_results_total{mutation="updatePackageShipment",result="CommandRejected",code="other"} 2',
  );
  expect(text).toContain(
    'oms_graph_mutation_results_total{mutation="updatePackageShipment",result="CommandRejected",code="package_locked"} 1',
  );
  expect(text).not.toContain("warehouse_closed");
  expect(text).not.toContain("carrier_paused");
});

it("adds prom-client's process and Node.js figures", async () => {
  const text = await (await request(`${h.url}/metrics`)).body.text();
  expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
  expect(text).toMatch(/^process_resident_memory_bytes \d/m);
  expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
  expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
});

describe("the per-request series", () => {
  const observations: Array<[string, string, number, number]> = [
    ["/graphql", "mutation updatePackageShipment", 200, 0.003],
    ["/graphql", "mutation updatePackageShipment", 200, 0.005],
    ["/graphql", "mutation updatePackageShipment", 200, 0.0051],
    ["/graphql", 'query "quoted"\\name', 200, 0.7],
    ["/subgraph", "none", 401, 42],
    ["/graphql", "mutation updatePackageShipment", 200, 30],
  ];
  // Private: one metric of a registry as Prometheus text, without its help line.
  const printed = async (registry: Registry, name: string) =>
    (await registry.getSingleMetricAsString(name)).replace(/^# HELP .*\n/, "");

  it("print exactly what a prom-client Histogram given label objects prints", async () => {
    const metrics = new Metrics();
    const theirs = new Registry();
    const reference = new Histogram({
      name: "oms_graph_http_request_duration_seconds",
      help: "-",
      labelNames: ["endpoint", "operation", "status"],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [theirs],
    });
    for (const [endpoint, operation, status, seconds] of observations) {
      metrics.observeHttpRequest(endpoint, operation, status, seconds);
      reference.observe({ endpoint, operation, status: String(status) }, seconds);
    }
    const name = "oms_graph_http_request_duration_seconds";
    expect(await printed(metrics.registry, name)).toBe(await printed(theirs, name));
    expect(await printed(metrics.registry, name)).toContain(
      'oms_graph_http_request_duration_seconds_bucket{le="0.005",endpoint="/graphql",operation="mutation updatePackageShipment",status="200"} 2',
    );
  });

  it("count business outcomes exactly as a prom-client Counter given label objects does", async () => {
    const metrics = new Metrics();
    const theirs = new Registry();
    const reference = new Counter({
      name: "oms_graph_mutation_results_total",
      help: "-",
      labelNames: ["mutation", "result", "code"],
      registers: [theirs],
    });
    for (const [result, code] of [
      ["ShipmentUpdated", null],
      ["ValidationError", "OMS_VALIDATION"],
      ["ShipmentUpdated", null],
    ] as const) {
      metrics.recordResult("updatePackageShipment", result, code);
      reference.inc({ mutation: "updatePackageShipment", result, code: code ?? "" });
    }
    const name = "oms_graph_mutation_results_total";
    expect(await printed(metrics.registry, name)).toBe(await printed(theirs, name));
  });
});
