import { GraphQLError } from "graphql";
import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from "type-graphql";
import { searchCargoCompanies } from "../../domain/cargo-company-catalogue.js";
import type { GatewayContext } from "../context.js";
import { requireOmsId } from "../ids.js";
import { CargoCompany } from "./cargo-company.type.js";
import { CargoCompanyFilter } from "./cargo-company-filter.input.js";

// A search term longer than any company name can only be a mistake or an attempt to make us work.
const MAX_SEARCH_LENGTH = 100;

@Resolver(() => CargoCompany)
export class CargoCompanyResolver {
  @Query(() => [CargoCompany], {
    description: "The cargo companies (carriers) known to the OMS, ordered by name.",
  })
  async cargoCompanies(
    @Arg("filter", () => CargoCompanyFilter, { nullable: true }) filter: CargoCompanyFilter | null,
    @Ctx() ctx: GatewayContext,
  ): Promise<CargoCompany[]> {
    const search = filter?.search ?? null;
    if (search !== null && search.length > MAX_SEARCH_LENGTH) {
      throw new GraphQLError(`filter.search must be at most ${MAX_SEARCH_LENGTH} characters.`, {
        extensions: { code: "BAD_USER_INPUT", argumentName: "filter" },
      });
    }
    const { list } = await ctx.app.catalogue.get(ctx.callOptions);
    return searchCargoCompanies(list, search).map(CargoCompany.from);
  }

  @Query(() => CargoCompany, {
    nullable: true,
    description: "One cargo company; null when the OMS does not list it.",
  })
  async cargoCompany(
    @Arg("id", () => ID) id: string,
    @Ctx() ctx: GatewayContext,
  ): Promise<CargoCompany | null> {
    const record = await ctx.cargoCompanies.load(requireOmsId(id, "cargo company"));
    return record && CargoCompany.from(record);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The tracking URL template in use for this company, with {trackingNumber}; null when none. Set by CARRIER_TRACKING_URLS, else the default for its shipping company code.",
  })
  trackingUrlTemplate(@Root() company: CargoCompany, @Ctx() ctx: GatewayContext): string | null {
    return ctx.app.trackingUrls.templateFor({
      id: Number(company.id),
      shippingCompany: company.shippingCompany,
    });
  }
}
