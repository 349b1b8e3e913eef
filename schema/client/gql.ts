/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query PackageCard($id: ID!) {\n    package(id: $id) {\n      id\n      status\n      statusName\n      shipment {\n        trackingNumber\n        trackingUrl\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n  }\n": typeof types.PackageCardDocument,
    "\n  query PackedPackages($status: [PackageStatus!], $first: Int, $after: String) {\n    packages(filter: { status: $status }, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          orderNumber\n          status\n          canUpdateShipment\n          shipment {\n            trackingNumber\n            trackingUrl\n          }\n        }\n      }\n    }\n  }\n": typeof types.PackedPackagesDocument,
    "\n  mutation UpdateShipment($input: UpdatePackageShipmentInput!) {\n    updatePackageShipment(input: $input) {\n      __typename\n      ... on ShipmentUpdated {\n        shipment {\n          trackingNumber\n          trackingUrl\n          cargoCompany {\n            name\n          }\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n          code\n        }\n      }\n      ... on CommandRejected {\n        message\n        code\n        packageId\n      }\n    }\n  }\n": typeof types.UpdateShipmentDocument,
};
const documents: Documents = {
    "\n  query PackageCard($id: ID!) {\n    package(id: $id) {\n      id\n      status\n      statusName\n      shipment {\n        trackingNumber\n        trackingUrl\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n  }\n": types.PackageCardDocument,
    "\n  query PackedPackages($status: [PackageStatus!], $first: Int, $after: String) {\n    packages(filter: { status: $status }, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          orderNumber\n          status\n          canUpdateShipment\n          shipment {\n            trackingNumber\n            trackingUrl\n          }\n        }\n      }\n    }\n  }\n": types.PackedPackagesDocument,
    "\n  mutation UpdateShipment($input: UpdatePackageShipmentInput!) {\n    updatePackageShipment(input: $input) {\n      __typename\n      ... on ShipmentUpdated {\n        shipment {\n          trackingNumber\n          trackingUrl\n          cargoCompany {\n            name\n          }\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n          code\n        }\n      }\n      ... on CommandRejected {\n        message\n        code\n        packageId\n      }\n    }\n  }\n": types.UpdateShipmentDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PackageCard($id: ID!) {\n    package(id: $id) {\n      id\n      status\n      statusName\n      shipment {\n        trackingNumber\n        trackingUrl\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').PackageCardDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PackedPackages($status: [PackageStatus!], $first: Int, $after: String) {\n    packages(filter: { status: $status }, first: $first, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      edges {\n        node {\n          id\n          orderNumber\n          status\n          canUpdateShipment\n          shipment {\n            trackingNumber\n            trackingUrl\n          }\n        }\n      }\n    }\n  }\n"): typeof import('./graphql.js').PackedPackagesDocument;
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateShipment($input: UpdatePackageShipmentInput!) {\n    updatePackageShipment(input: $input) {\n      __typename\n      ... on ShipmentUpdated {\n        shipment {\n          trackingNumber\n          trackingUrl\n          cargoCompany {\n            name\n          }\n        }\n      }\n      ... on ValidationError {\n        message\n        fieldErrors {\n          path\n          message\n          code\n        }\n      }\n      ... on CommandRejected {\n        message\n        code\n        packageId\n      }\n    }\n  }\n"): typeof import('./graphql.js').UpdateShipmentDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
