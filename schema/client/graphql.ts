/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Where a package is in its life. OTHER: a status this API does not know yet; see statusName. */
export type PackageStatus =
  /** The cargo company tried to deliver and will try again. */
  | 'ATTEMPTED_DELIVERY'
  | 'CANCELLED'
  | 'DELIVERED'
  /** The cargo company gave up delivering. */
  | 'DELIVERY_FAILED'
  | 'OTHER'
  /** Physically packed; shipment details can be set from here on. */
  | 'PACKED'
  | 'PREPARING'
  | 'READY_FOR_PACKAGING'
  /** Handed over to the cargo company. */
  | 'SHIPPED'
  /** Assigned to a store or warehouse, not prepared yet. */
  | 'WAITING';

/** New shipment details for one package. */
export type UpdatePackageShipmentInput = {
  /** The OMS id of the cargo company. */
  cargoCompanyId: string | number;
  /** The OMS id of the package. */
  packageId: string | number;
  /** The carrier's query number: at most 64 characters. */
  queryNumber?: string | null | undefined;
  /** The tracking number (the OMS `awb_number`): 1 to 64 characters, trimmed. */
  trackingNumber: string;
  /** Overrides the transition configured for the package's status. Most callers leave it out. */
  transitionId?: number | null | undefined;
};

export type PackageCardQueryVariables = Exact<{
  id: string | number;
}>;


export type PackageCardQuery = { package: { id: string, status: PackageStatus, statusName: string, shipment: { trackingNumber: string | null, trackingUrl: string | null, cargoCompany: { id: string, name: string } | null } | null } | null };

export type PackedPackagesQueryVariables = Exact<{
  status?: Array<PackageStatus> | PackageStatus | null | undefined;
  first?: number | null | undefined;
  after?: string | null | undefined;
}>;


export type PackedPackagesQuery = { packages: { totalCount: number, pageInfo: { hasNextPage: boolean, endCursor: string | null }, edges: Array<{ node: { id: string, orderNumber: string | null, status: PackageStatus, canUpdateShipment: boolean, shipment: { trackingNumber: string | null, trackingUrl: string | null } | null } }> } };

export type UpdateShipmentMutationVariables = Exact<{
  input: UpdatePackageShipmentInput;
}>;


export type UpdateShipmentMutation = { updatePackageShipment:
    | { __typename: 'CommandRejected', message: string, code: string, packageId: string }
    | { __typename: 'ShipmentUpdated', shipment: { trackingNumber: string | null, trackingUrl: string | null, cargoCompany: { name: string } | null } }
    | { __typename: 'ValidationError', message: string, fieldErrors: Array<{ path: Array<string>, message: string, code: string }> }
   };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const PackageCardDocument = new TypedDocumentString(`
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
    `) as unknown as TypedDocumentString<PackageCardQuery, PackageCardQueryVariables>;
export const PackedPackagesDocument = new TypedDocumentString(`
    query PackedPackages($status: [PackageStatus!], $first: Int, $after: String) {
  packages(filter: {status: $status}, first: $first, after: $after) {
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
    `) as unknown as TypedDocumentString<PackedPackagesQuery, PackedPackagesQueryVariables>;
export const UpdateShipmentDocument = new TypedDocumentString(`
    mutation UpdateShipment($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated {
      shipment {
        trackingNumber
        trackingUrl
        cargoCompany {
          name
        }
      }
    }
    ... on ValidationError {
      message
      fieldErrors {
        path
        message
        code
      }
    }
    ... on CommandRejected {
      message
      code
      packageId
    }
  }
}
    `) as unknown as TypedDocumentString<UpdateShipmentMutation, UpdateShipmentMutationVariables>;