
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "MutationError": [
      "CommandFailed",
      "CommandRejected",
      "ValidationError"
    ],
    "UpdatePackageShipmentResult": [
      "CommandRejected",
      "ShipmentUpdated",
      "ValidationError"
    ],
    "UpdatePackageShipmentsItem": [
      "CommandFailed",
      "CommandRejected",
      "ShipmentUpdated",
      "ValidationError"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "MutationError": [
      "CommandFailed",
      "CommandRejected",
      "ValidationError"
    ],
    "UpdatePackageShipmentResult": [
      "CommandRejected",
      "ShipmentUpdated",
      "ValidationError"
    ],
    "UpdatePackageShipmentsItem": [
      "CommandFailed",
      "CommandRejected",
      "ShipmentUpdated",
      "ValidationError"
    ]
  }
};
      export default result;
    