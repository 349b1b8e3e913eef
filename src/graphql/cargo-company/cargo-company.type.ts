import { Directive, Field, ID, ObjectType } from "type-graphql";
import type { CargoCompanyRecord } from "../../domain/ports.js";

// An entity of the supergraph: other subgraphs may reference it by id and add fields to it.
@Directive('@key(fields: "id")')
@ObjectType("CargoCompany", {
  simpleResolvers: true,
  description: "A cargo (shipping) company known to the OMS.",
})
export class CargoCompany {
  @Field(() => ID, { description: "The OMS id of the cargo company." })
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String, { nullable: true, description: "The code of the company in the brand's ERP." })
  erpCode!: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The OMS's code of the carrier integration, e.g. `yurtici`.",
  })
  shippingCompany!: string | null;

  static from(record: CargoCompanyRecord): CargoCompany {
    return Object.assign(new CargoCompany(), {
      id: String(record.id),
      name: record.name,
      erpCode: record.erpCode,
      shippingCompany: record.shippingCompany,
    });
  }
}
