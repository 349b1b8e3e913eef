/** What /metrics tells an operator after a few requests, read as Prometheus text. */
import { request } from "undici";
import { afterAll, beforeAll, expect, it } from "vitest";
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
