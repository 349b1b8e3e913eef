/**
 * The command on package 1001 that the result-mapping specs send, and exactly how it must reach the
 * OMS: method, path, credentials and JSON types.
 */
import { afterAll, beforeAll, beforeEach, expect } from "vitest";
import type { Fault, FaultRule, RecordedRequest } from "../../src/simulator/index.js";
import { type UpdatePackageShipmentInput } from "../generated/operations.js";
import { type Harness, startHarness } from "./harness.js";
import { commandPath, packagePath } from "./oms-paths.js";

// ---------------------------------------------------------------------------------------------
// Helpers

/** The fault for the next command on package 1001, the one `input()` targets. */
export const onNextCommand = (fault: Fault): FaultRule => ({
  method: "POST",
  path: commandPath(1001),
  times: 1,
  fault,
});
export const POST_1001 = `POST ${commandPath(1001)}`;
export const GET_1001 = `GET ${packagePath(1001)}`;

/** Every OMS request as "METHOD /path?query", in arrival order. */
export function routes(h: Harness): string[] {
  return h.sim.requests.map((r) => `${r.method} ${r.path}${r.search}`);
}

export interface WireBody {
  transition_id: number;
  awb_number: string;
  cargo_company: number;
  query_number?: string;
}

/** The command request exactly as the OMS must receive it: method, path, credentials, JSON types. */
export function expectCommandSent(req: RecordedRequest | undefined, packageId: number, body: WireBody): void {
  expect(req, "a command request").toBeDefined();
  const sent = req as RecordedRequest;
  expect(sent.method).toBe("POST");
  expect(sent.path).toBe(commandPath(packageId));
  expect(sent.search).toBe("");
  expect(sent.headers.authorization).toBe("Token demo-oms-token");
  expect(sent.headers["content-type"]).toBe("application/json");
  const json = JSON.parse(sent.rawBody) as Record<string, unknown>;
  // Types first, so a "41" sent for 41 fails with a readable message.
  const types = Object.fromEntries(Object.entries(json).map(([key, value]) => [key, typeof value]));
  const expectedTypes: Record<string, string> = {
    transition_id: "number",
    awb_number: "string",
    cargo_company: "number",
    ...("query_number" in body ? { query_number: "string" } : {}),
  };
  expect(types).toStrictEqual(expectedTypes);
  expect(json).toStrictEqual(body);
}

export const input = (overrides: Partial<UpdatePackageShipmentInput> = {}): UpdatePackageShipmentInput => ({
  packageId: "1001",
  cargoCompanyId: "2",
  trackingNumber: "AR-2026-0001",
  transitionId: 41,
  ...overrides,
});

// ---------------------------------------------------------------------------------------------

// No cargo company caching between requests, so each test sees exactly the OMS calls it caused.
export const NO_CATALOGUE_CACHE = { CARGO_COMPANIES_TTL_SECONDS: "0" };

/** The gateway the result-mapping specs call, for the file: a fresh simulator for each case. */
export function mappingGateway(): { readonly h: Harness } {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(NO_CATALOGUE_CACHE);
  });
  afterAll(() => h.close());
  beforeEach(() => h.sim.reset());
  return {
    get h() {
      return h;
    },
  };
}
