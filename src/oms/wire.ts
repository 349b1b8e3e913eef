/**
 * The OMS wire format: the JSON the OMS sends and accepts, as far as the gateway relies on it.
 * Only this module knows these snake_case shapes; everything else sees domain types. The simulator
 * defines the same JSON on its own from the OMS docs, so that a misread field shows as a disagreement.
 * Fields marked "assumed" are not publicly documented by Akinon (see docs in the README).
 */

/** `state` of a package: `enum_value` is a number sent as a string, e.g. "500" for Packed. */
export interface WireState {
  id?: number;
  name: string;
  enum_class?: string;
  enum_value: string;
}

/** `shipment` of a package (field names assumed from OMS filters and webhook payloads). */
export interface WireShipment {
  awb_number: string | null;
  query_number: string | null;
  cargo_company: number | null;
}

/** `shipping_label` of a package (assumed). */
export interface WireShippingLabel {
  url: string | null;
  modified_date: string | null;
}

export interface WirePackage {
  id: number;
  number: string | null;
  state: WireState;
  commands?: unknown[];
  order_id?: number | null;
  order_number?: string | null;
  shipment: WireShipment | null;
  shipping_label: WireShippingLabel | null;
  stock_location?: unknown;
  created_date?: string;
  modified_date?: string;
}

/** An item of the cargo company list (assumed; modelled on Omnitron's channel cargos). */
export interface WireCargoCompany {
  id: number;
  name: string;
  erp_code: string | null;
  shipping_company: string | null;
}

/** A Django REST framework page. */
export interface WirePage<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

/** The body of `POST /api/v1/oms/packages/{id}/command/` for "update shipment info". */
export interface WireUpdateShipmentBody {
  transition_id: number;
  awb_number: string;
  query_number?: string;
  cargo_company: number;
}
