/**
 * What the bulk specs share: inputs, the bulk call itself, the sorted OMS routes it caused (items run
 * concurrently) and the log lines of one request.
 */
import { expect, vi } from "vitest";
import { type UpdatePackageShipmentInput, UpdatePackageShipmentsDocument } from "../generated/operations.js";
import { Item } from "./bulk-items.js";
import { type Harness } from "./harness.js";

// ---------------------------------------------------------------------------------------------
// Helpers

export const input = (
  packageId: number | string,
  overrides: Partial<UpdatePackageShipmentInput> = {},
): UpdatePackageShipmentInput => ({
  packageId,
  cargoCompanyId: "2",
  trackingNumber: `TRK-${packageId}`,
  transitionId: 41,
  ...overrides,
});

/** Every OMS request as "METHOD /path", sorted: bulk items run concurrently, so arrival order is not fixed. */
export function routes(h: Harness): string[] {
  return h.sim.requests.map((r) => `${r.method} ${r.path}`).sort();
}

export function bulk(h: Harness, inputs: UpdatePackageShipmentInput[], requestId?: string) {
  return h.gql(
    UpdatePackageShipmentsDocument,
    { inputs },
    requestId === undefined ? undefined : { "x-request-id": requestId },
  );
}

export const updated = (trackingNumber: string, queryNumber: string | null = null): Item => ({
  __typename: "ShipmentUpdated",
  shipment: { trackingNumber, queryNumber },
});

export interface LogLine {
  msg: string;
  requestId?: string;
  time: string;
  [key: string]: unknown;
}

/** Log lines of one request with the given message; the request line is written as the answer finishes. */
export async function linesOf(h: Harness, requestId: string, msg: string, atLeast = 1): Promise<LogLine[]> {
  const lines = () =>
    (h.logs as unknown as LogLine[]).filter((l) => l.msg === msg && l.requestId === requestId);
  await vi.waitFor(() => expect(lines().length).toBeGreaterThanOrEqual(atLeast), {
    timeout: 2_000,
    interval: 5,
  });
  return lines();
}
