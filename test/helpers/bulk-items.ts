import { expect } from "vitest";
import type { UpdatePackageShipmentInput, UpdatePackageShipmentsMutation } from "../generated/operations.js";
import type { GraphQLResult } from "./harness.js";

/** One item of a bulk answer, in input order. */
export type Item = UpdatePackageShipmentsMutation["updatePackageShipments"][number];

/** The items of a successful bulk answer; fails the test on a top-level error. */
export function itemsOf(res: GraphQLResult<UpdatePackageShipmentsMutation>): Item[] {
  expect(res.status).toBe(200);
  expect(res.body.errors).toBeUndefined();
  return res.body.data?.updatePackageShipments ?? [];
}

/**
 * An input builder for package ids whose tracking number is `${prefix}-${packageId}`, so that each
 * spec's commands can be told apart at the OMS.
 */
export const trackedAs =
  (prefix: string) =>
  (packageId: number): UpdatePackageShipmentInput => ({
    packageId: String(packageId),
    cargoCompanyId: "2",
    trackingNumber: `${prefix}-${packageId}`,
    transitionId: 41,
  });
