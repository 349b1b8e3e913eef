import { Field, InputType } from "type-graphql";

@InputType("CargoCompanyFilter", { description: "Narrows the cargo company list." })
export class CargoCompanyFilter {
  @Field(() => String, {
    nullable: true,
    description:
      'Case- and accent-insensitive match on name, ERP code or shipping company code ("surat" finds "Sürat Kargo").',
  })
  search?: string | null;
}
