/** One package as a warehouse screen shows it: status, carrier and a link to the carrier's tracking page. */
import { graphql } from "../../../schema/client/gql.js";
import type { PackageCardQuery } from "../../../schema/client/graphql.js";
import { execute, type GatewayOptions } from "./gateway.js";

export const PackageCardDocument = graphql(`
  query PackageCard($id: ID!) {
    package(id: $id) {
      id
      status
      statusName
      shipment {
        trackingNumber
        trackingUrl
        cargoCompany {
          id
          name
        }
      }
    }
  }
`);

export type PackageCard = NonNullable<PackageCardQuery["package"]>;

/** null when the OMS has no such package. */
export async function loadPackage(gateway: GatewayOptions, id: string): Promise<PackageCard | null> {
  const { data } = await execute(gateway, PackageCardDocument, { id });
  return data.package;
}

/** The status as a person reads it: OTHER is a status this API does not know yet, named by the OMS. */
export function statusLabel(card: PackageCard): string {
  return card.status === "OTHER" ? card.statusName : card.status.toLowerCase().replaceAll("_", " ");
}
