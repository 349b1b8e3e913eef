/**
 * Setting a package's shipment: the mutation, and the one place that turns each member of its result
 * union into what the form shows. The `switch` is exhaustive: were a member added to the union, the
 * `unreachable(result)` line would stop compiling until it is handled.
 */
import { graphql } from "../../../schema/client/gql.js";
import type { UpdatePackageShipmentInput, UpdateShipmentMutation } from "../../../schema/client/graphql.js";
import { execute, type GatewayOptions, unreachable } from "./gateway.js";

export const UpdateShipmentDocument = graphql(`
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
`);

export type ShipmentResult = UpdateShipmentMutation["updatePackageShipment"];

/** What the form shows after a command. */
export type ShipmentOutcome =
  | { kind: "updated"; trackingNumber: string | null; trackingUrl: string | null; carrier: string | null }
  | { kind: "invalid"; message: string; fields: Record<string, string> }
  | { kind: "rejected"; message: string; code: string };

export function toOutcome(result: ShipmentResult): ShipmentOutcome {
  switch (result.__typename) {
    case "ShipmentUpdated": {
      const { trackingNumber, trackingUrl, cargoCompany } = result.shipment;
      return { kind: "updated", trackingNumber, trackingUrl, carrier: cargoCompany?.name ?? null };
    }
    case "ValidationError": {
      // ["input", "trackingNumber"] → the form field "trackingNumber".
      const fields = Object.fromEntries(
        result.fieldErrors.map((e) => [e.path.slice(1).join("."), e.message]),
      );
      return { kind: "invalid", message: result.message, fields };
    }
    case "CommandRejected":
      return { kind: "rejected", message: `The OMS refused: ${result.message}`, code: result.code };
    default:
      return unreachable(result);
  }
}

/**
 * Sends the command once under `idempotencyKey`: a retry with the same key (after a lost answer) is
 * answered from the gateway's record instead of running the command again.
 */
export async function updateShipment(
  gateway: GatewayOptions,
  input: UpdatePackageShipmentInput,
  idempotencyKey: string,
): Promise<ShipmentOutcome> {
  const { data } = await execute(
    gateway,
    UpdateShipmentDocument,
    { input },
    { "idempotency-key": idempotencyKey },
  );
  return toOutcome(data.updatePackageShipment);
}
