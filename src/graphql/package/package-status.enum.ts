import { registerEnumType } from "type-graphql";
import type { PackageStatus as DomainStatus } from "../../domain/package.js";

export enum PackageStatus {
  WAITING = "WAITING",
  PREPARING = "PREPARING",
  READY_FOR_PACKAGING = "READY_FOR_PACKAGING",
  PACKED = "PACKED",
  SHIPPED = "SHIPPED",
  DELIVERED = "DELIVERED",
  ATTEMPTED_DELIVERY = "ATTEMPTED_DELIVERY",
  DELIVERY_FAILED = "DELIVERY_FAILED",
  CANCELLED = "CANCELLED",
  OTHER = "OTHER",
}

registerEnumType(PackageStatus, {
  name: "PackageStatus",
  description: "Where a package is in its life. OTHER: a status this API does not know yet; see statusName.",
  valuesConfig: {
    WAITING: { description: "Assigned to a store or warehouse, not prepared yet." },
    PACKED: { description: "Physically packed; shipment details can be set from here on." },
    SHIPPED: { description: "Handed over to the cargo company." },
    ATTEMPTED_DELIVERY: { description: "The cargo company tried to deliver and will try again." },
    DELIVERY_FAILED: { description: "The cargo company gave up delivering." },
  },
});

export function toGraphQLStatus(status: DomainStatus): PackageStatus {
  return status.toUpperCase() as PackageStatus;
}
