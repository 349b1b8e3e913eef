/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

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
    "query Package($id: ID!) {\n  package(id: $id) {\n    id\n    number\n    status\n    statusName\n    orderNumber\n    shipment {\n      trackingNumber\n      queryNumber\n      cargoCompany {\n        id\n        name\n        erpCode\n        shippingCompany\n      }\n    }\n    label {\n      url\n      updatedAt\n    }\n  }\n}": typeof types.PackageDocument,
    "mutation UpdatePackageShipment($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nmutation UpdatePackageShipmentWithPackage($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n      package {\n        id\n        status\n        statusName\n        shipment {\n          trackingNumber\n          queryNumber\n          cargoCompany {\n            id\n            name\n          }\n        }\n        label {\n          url\n          updatedAt\n        }\n      }\n    }\n    ... on MutationError {\n      message\n    }\n  }\n}": typeof types.UpdatePackageShipmentDocument,
    "mutation UpdateShipmentOnly($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nquery PackageSummary($id: ID!) {\n  package(id: $id) {\n    id\n    status\n    statusName\n  }\n}": typeof types.UpdateShipmentOnlyDocument,
};
const documents: Documents = {
    "query Package($id: ID!) {\n  package(id: $id) {\n    id\n    number\n    status\n    statusName\n    orderNumber\n    shipment {\n      trackingNumber\n      queryNumber\n      cargoCompany {\n        id\n        name\n        erpCode\n        shippingCompany\n      }\n    }\n    label {\n      url\n      updatedAt\n    }\n  }\n}": types.PackageDocument,
    "mutation UpdatePackageShipment($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nmutation UpdatePackageShipmentWithPackage($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n      package {\n        id\n        status\n        statusName\n        shipment {\n          trackingNumber\n          queryNumber\n          cargoCompany {\n            id\n            name\n          }\n        }\n        label {\n          url\n          updatedAt\n        }\n      }\n    }\n    ... on MutationError {\n      message\n    }\n  }\n}": types.UpdatePackageShipmentDocument,
    "mutation UpdateShipmentOnly($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nquery PackageSummary($id: ID!) {\n  package(id: $id) {\n    id\n    status\n    statusName\n  }\n}": types.UpdateShipmentOnlyDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Package($id: ID!) {\n  package(id: $id) {\n    id\n    number\n    status\n    statusName\n    orderNumber\n    shipment {\n      trackingNumber\n      queryNumber\n      cargoCompany {\n        id\n        name\n        erpCode\n        shippingCompany\n      }\n    }\n    label {\n      url\n      updatedAt\n    }\n  }\n}"): (typeof documents)["query Package($id: ID!) {\n  package(id: $id) {\n    id\n    number\n    status\n    statusName\n    orderNumber\n    shipment {\n      trackingNumber\n      queryNumber\n      cargoCompany {\n        id\n        name\n        erpCode\n        shippingCompany\n      }\n    }\n    label {\n      url\n      updatedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdatePackageShipment($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nmutation UpdatePackageShipmentWithPackage($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n      package {\n        id\n        status\n        statusName\n        shipment {\n          trackingNumber\n          queryNumber\n          cargoCompany {\n            id\n            name\n          }\n        }\n        label {\n          url\n          updatedAt\n        }\n      }\n    }\n    ... on MutationError {\n      message\n    }\n  }\n}"): (typeof documents)["mutation UpdatePackageShipment($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n        cargoCompany {\n          id\n          name\n        }\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nmutation UpdatePackageShipmentWithPackage($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n      package {\n        id\n        status\n        statusName\n        shipment {\n          trackingNumber\n          queryNumber\n          cargoCompany {\n            id\n            name\n          }\n        }\n        label {\n          url\n          updatedAt\n        }\n      }\n    }\n    ... on MutationError {\n      message\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation UpdateShipmentOnly($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nquery PackageSummary($id: ID!) {\n  package(id: $id) {\n    id\n    status\n    statusName\n  }\n}"): (typeof documents)["mutation UpdateShipmentOnly($input: UpdatePackageShipmentInput!) {\n  updatePackageShipment(input: $input) {\n    __typename\n    ... on ShipmentUpdated {\n      shipment {\n        trackingNumber\n        queryNumber\n      }\n    }\n    ... on ValidationError {\n      message\n      fieldErrors {\n        path\n        message\n        code\n      }\n    }\n    ... on CommandRejected {\n      message\n      code\n      packageId\n    }\n  }\n}\n\nquery PackageSummary($id: ID!) {\n  package(id: $id) {\n    id\n    status\n    statusName\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;