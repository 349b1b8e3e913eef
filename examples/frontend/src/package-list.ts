/**
 * The warehouse's work list: packed packages, a page at a time, each with whether its shipment can be
 * set now (so the screen shows the button only where the command would be accepted).
 */
import { graphql } from "../../../schema/client/gql.js";
import type { PackageStatus, PackedPackagesQuery } from "../../../schema/client/graphql.js";
import { execute, type GatewayOptions } from "./gateway.js";

export const PackedPackagesDocument = graphql(`
  query PackedPackages($status: [PackageStatus!], $first: Int, $after: String) {
    packages(filter: { status: $status }, first: $first, after: $after) {
      totalCount
      pageInfo {
        hasNextPage
        endCursor
      }
      edges {
        node {
          id
          orderNumber
          status
          canUpdateShipment
          shipment {
            trackingNumber
            trackingUrl
          }
        }
      }
    }
  }
`);

export type PackageRow = PackedPackagesQuery["packages"]["edges"][number]["node"];

export interface PackagePage {
  rows: PackageRow[];
  total: number;
  /** Pass back as `after` for the next page; null on the last one. */
  next: string | null;
}

/** One page of packages in the given statuses (PACKED by default), in the OMS's order. */
export async function loadPackages(
  gateway: GatewayOptions,
  after: string | null = null,
  status: PackageStatus[] = ["PACKED"],
  first = 20,
): Promise<PackagePage> {
  const { data } = await execute(gateway, PackedPackagesDocument, { status, first, after });
  const { edges, pageInfo, totalCount } = data.packages;
  return {
    rows: edges.map((edge) => edge.node),
    total: totalCount,
    next: pageInfo.hasNextPage ? pageInfo.endCursor : null,
  };
}
