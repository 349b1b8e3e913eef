import { Directive, Field, ID, ObjectType } from "type-graphql";
import type { PackageRecord } from "../../domain/package.js";
import { Shipment, ShippingLabel } from "../shipment/shipment.type.js";
import { PackageStatus, toGraphQLStatus } from "./package-status.enum.js";

// An entity of the supergraph: other subgraphs may reference it by id and add fields to it.
@Directive('@key(fields: "id")')
@ObjectType("Package", {
  simpleResolvers: true,
  description: "A packaging order: the part of an order that is packed and shipped together.",
})
export class Package {
  @Field(() => ID, { description: "The OMS id of the package." })
  id!: string;

  @Field(() => String, { nullable: true, description: "The package number people see." })
  number!: string | null;

  @Field(() => PackageStatus)
  status!: PackageStatus;

  @Field(() => String, {
    description: "The OMS state name as sent, for statuses this API does not know yet.",
  })
  statusName!: string;

  @Field(() => Shipment, { nullable: true, description: "Null until shipment details are set." })
  shipment!: Shipment | null;

  @Field(() => ShippingLabel, { nullable: true, description: "Null until the OMS has generated a label." })
  label!: ShippingLabel | null;

  @Field(() => String, { nullable: true, description: "The number of the order the package belongs to." })
  orderNumber!: string | null;

  static from(record: PackageRecord): Package {
    // Assigned field by field: a list of packages makes many of these, and a literal copied in with
    // Object.assign would be one more object each.
    const pkg = new Package();
    pkg.id = String(record.id);
    pkg.number = record.number;
    pkg.status = toGraphQLStatus(record.status);
    pkg.statusName = record.statusName;
    pkg.shipment = record.shipment && Shipment.from(record.shipment);
    pkg.label = record.label && ShippingLabel.from(record.label);
    pkg.orderNumber = record.orderNumber;
    return pkg;
  }
}
