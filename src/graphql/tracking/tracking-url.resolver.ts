import { Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { fillTrackingUrl } from "../../domain/tracking-urls.js";
import type { GatewayContext } from "../context.js";
import { Shipment } from "../shipment/shipment.type.js";

/**
 * `Shipment.trackingUrl`, beside the shipment's own fields: it needs the carrier's template, which
 * comes from configuration or from the company's code in the shared catalogue. A list of packages
 * therefore costs at most the one catalogue read its `cargoCompany` fields would cost anyway.
 */
@Resolver(() => Shipment)
export class TrackingUrlResolver {
  @FieldResolver(() => String, {
    nullable: true,
    description:
      "The carrier's tracking page for this number; null when no template applies (or there is no tracking number).",
  })
  trackingUrl(
    @Root() shipment: Shipment,
    @Ctx() ctx: GatewayContext,
  ): string | null | Promise<string | null> {
    const { trackingNumber, cargoCompanyId } = shipment;
    if (!trackingNumber || cargoCompanyId === null) return null;
    const urls = ctx.app.trackingUrls;
    const fill = (template: string | null) =>
      template === null ? null : fillTrackingUrl(template, trackingNumber);
    // A template configured for the company's id needs no catalogue read at all.
    const configured = urls.templateForId(cargoCompanyId);
    if (configured !== null) return fill(configured);
    return ctx.withCargoCompany(cargoCompanyId, (company) => fill(company && urls.templateFor(company)));
  }
}
