import type { GatewayContext } from "../context.js";
import { parseOmsId } from "../ids.js";
import { Package } from "./package.type.js";

/** Resolves `{ __typename: "Package", id }` from a router through the request's package loader. */
export async function resolvePackageReference(
  reference: { id: unknown },
  ctx: GatewayContext,
): Promise<Package | null> {
  const id = parseOmsId(reference.id);
  if (id === null) return null;
  const record = await ctx.packages.load(id);
  return record && Package.from(record);
}
