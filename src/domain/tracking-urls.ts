/**
 * Tracking links: which carrier page shows a shipment, from a template per cargo company. Defaults
 * are keyed by the cargo company's `shipping_company` code; configuration (CARRIER_TRACKING_URLS)
 * overrides them by code, or for one cargo company by its id.
 */
import type { CargoCompanyRecord } from "./ports.js";

/** The placeholder every template holds; replaced by the tracking number, URL-encoded. */
export const TRACKING_NUMBER_PLACEHOLDER = "{trackingNumber}";

/**
 * Default templates by `shipping_company` code. Only `yurtici` is a code Akinon publishes
 * (akinon/channel_app, `CargoCompany` sample: `"shipping_company": "yurtici"`); the others are the
 * carriers' natural names, so each can be replaced through CARRIER_TRACKING_URLS.
 *
 * Sources, checked against the repositories themselves:
 * - Turkish carriers: intensesoftware/hezarfen-for-woocommerce,
 *   packages/manual-shipment-tracking/includes/courier-companies/class-<carrier>.php,
 *   `create_tracking_url()` (MNG's, now DHL eCommerce Turkey, updated there in August 2025).
 * - DHL Express and FedEx: jkeen/tracking_number_data, couriers/dhl.json and couriers/fedex.json,
 *   `tracking_url` (that plugin links neither to a number).
 * Left out on purpose: Trendyol Express (its page takes an order number, `?orderNumber=`, not the
 * tracking number the OMS holds) and Sendeo (a fixed page with no number in its URL).
 */
export const DEFAULT_TRACKING_URL_TEMPLATES: ReadonlyMap<string, string> = new Map([
  ["yurtici", "https://www.yurticikargo.com/tr/online-servisler/gonderi-sorgula?code={trackingNumber}"],
  ["aras", "http://kargotakip.araskargo.com.tr/mainpage.aspx?code={trackingNumber}"],
  ["mng", "https://kargotakip.dhlecommerce.com.tr/?takipNo={trackingNumber}"],
  ["surat", "https://www.suratkargo.com.tr/KargoTakip/?kargotakipno={trackingNumber}"],
  ["ptt", "https://gonderitakip.ptt.gov.tr/Track/Verify?q={trackingNumber}"],
  ["ups", "https://www.ups.com/track?loc=tr_TR&tracknum={trackingNumber}&requester=WT/trackdetails"],
  ["hepsijet", "https://www.hepsijet.com/gonderi-takibi/{trackingNumber}"],
  ["kolaygelsin", "https://esube.kolaygelsin.com/shipments?trackingId={trackingNumber}"],
  ["dhl", "http://www.dhl.com/en/express/tracking.html?brand=DHL&AWB={trackingNumber}"],
  ["fedex", "https://www.fedex.com/apps/fedextrack/?tracknumbers={trackingNumber}"],
]);

/** Configured templates: by `shipping_company` code (lower case) and by cargo company id. */
export interface TrackingUrlOverrides {
  byCode: ReadonlyMap<string, string>;
  byId: ReadonlyMap<number, string>;
}

export class TrackingUrls {
  private readonly byCode: ReadonlyMap<string, string>;

  constructor(private readonly overrides: TrackingUrlOverrides) {
    this.byCode = new Map([...DEFAULT_TRACKING_URL_TEMPLATES, ...overrides.byCode]);
  }

  /** A template configured for this one cargo company; it wins over any code's. */
  templateForId(id: number): string | null {
    return this.overrides.byId.get(id) ?? null;
  }

  /** The template in use for a company: its id's, else its code's (configured, else default). */
  templateFor(company: Pick<CargoCompanyRecord, "id" | "shippingCompany">): string | null {
    const code = company.shippingCompany?.trim().toLowerCase();
    return this.templateForId(company.id) ?? (code ? (this.byCode.get(code) ?? null) : null);
  }
}

/**
 * The template with the tracking number in place, encoded as one URL component, so that a number
 * holding `/`, `&`, `#`, spaces or non-ASCII letters stays one value of one parameter or segment.
 */
export function fillTrackingUrl(template: string, trackingNumber: string): string {
  return template.replaceAll(TRACKING_NUMBER_PLACEHOLDER, encodeURIComponent(trackingNumber));
}
