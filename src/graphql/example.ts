/** The first operation a newcomer sees in Apollo Sandbox; the README shows the same document. */
export const EXAMPLE_OPERATION = `mutation UpdateShipment($input: UpdatePackageShipmentInput!) {
  updatePackageShipment(input: $input) {
    __typename
    ... on ShipmentUpdated {
      shipment { trackingNumber queryNumber cargoCompany { id name } }
      package { id status label { url updatedAt } }
    }
    ... on ValidationError { message fieldErrors { path message code } }
    ... on CommandRejected { message code packageId }
  }
}
`;

export const EXAMPLE_VARIABLES = {
  input: { packageId: "1001", cargoCompanyId: "2", trackingNumber: "AR-2026-0001", queryNumber: "Q-0001" },
};
