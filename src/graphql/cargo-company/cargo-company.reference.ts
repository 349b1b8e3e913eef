import type { GatewayContext } from "../context.js";
import { parseOmsId } from "../ids.js";
import { CargoCompany } from "./cargo-company.type.js";

/** Resolves `{ __typename: "CargoCompany", id }` from a router through the shared catalogue. */
export async function resolveCargoCompanyReference(
  reference: { id: unknown },
  ctx: GatewayContext,
): Promise<CargoCompany | null> {
  const id = parseOmsId(reference.id);
  if (id === null) return null;
  const record = await ctx.cargoCompanies.load(id);
  return record && CargoCompany.from(record);
}
