import { createUnionType, Field, ID, InterfaceType, ObjectType } from "type-graphql";
import { Package } from "../package/package.type.js";
import { Shipment } from "./shipment.type.js";

@InterfaceType("MutationError", {
  description: "A business error returned as data: the request was understood and answered.",
})
export abstract class MutationError {
  @Field(() => String, {
    description: "A sentence for people; switch on the type and codes, not on this text.",
  })
  message!: string;
}

@ObjectType("FieldError", { simpleResolvers: true, description: "One problem with one input field." })
export class FieldError {
  @Field(() => [String], {
    description:
      'Path into the mutation\'s arguments, e.g. ["input", "trackingNumber"] or ["inputs", "3", "cargoCompanyId"].',
  })
  path!: string[];

  @Field(() => String)
  message!: string;

  @Field(() => String, {
    description:
      "INVALID_ID, INVALID_LENGTH, INVALID_CHARACTERS, OUT_OF_RANGE, PACKAGE_NOT_FOUND, TRANSITION_NOT_CONFIGURED, or OMS_VALIDATION when the OMS refused the value.",
  })
  code!: string;

  static of(path: string[], message: string, code: string): FieldError {
    return Object.assign(new FieldError(), { path, message, code });
  }
}

@ObjectType("ValidationError", {
  simpleResolvers: true,
  implements: MutationError,
  description: "The input was refused; nothing was changed.",
})
export class ValidationError extends MutationError {
  /** The union member's name, for logs and metrics (class names do not survive bundling). */
  get typename(): "ValidationError" {
    return "ValidationError";
  }

  @Field(() => [FieldError])
  fieldErrors!: FieldError[];

  static of(message: string, fieldErrors: FieldError[]): ValidationError {
    return Object.assign(new ValidationError(), { message, fieldErrors });
  }
}

@ObjectType("CommandRejected", {
  simpleResolvers: true,
  implements: MutationError,
  description: "The OMS refused to run the command, e.g. because the package is in another status or locked.",
})
export class CommandRejected extends MutationError {
  /** The union member's name, for logs and metrics (class names do not survive bundling). */
  get typename(): "CommandRejected" {
    return "CommandRejected";
  }

  @Field(() => String, {
    description:
      "The OMS error code when it sent one (transition_not_found, transition_not_allowed, transition_state_mismatch, package_locked, ...); else COMMAND_REJECTED.",
  })
  code!: string;

  @Field(() => ID)
  packageId!: string;

  static of(message: string, code: string, packageId: number): CommandRejected {
    return Object.assign(new CommandRejected(), { message, code, packageId: String(packageId) });
  }
}

@ObjectType("ShipmentUpdated", {
  simpleResolvers: true,
  description: "The OMS accepted the new shipment details.",
})
export class ShipmentUpdated {
  /** The union member's name, for logs and metrics (class names do not survive bundling). */
  get typename(): "ShipmentUpdated" {
    return "ShipmentUpdated";
  }

  @Field(() => Package, {
    nullable: true,
    description:
      "The package as the OMS holds it now. Read lazily: costs an OMS call only when selected. Null, with the " +
      "read's error in `errors`, when that read fails: the command was applied all the same.",
  })
  package?: Package | null;

  @Field(() => Shipment, { description: "The shipment details now in force." })
  shipment!: Shipment;

  /** Resolved into `package` only when selected. */
  packageId!: number;

  static of(packageId: number, shipment: Shipment): ShipmentUpdated {
    return Object.assign(new ShipmentUpdated(), { packageId, shipment });
  }
}

@ObjectType("CommandFailed", {
  simpleResolvers: true,
  implements: MutationError,
  description:
    "A bulk item that could not be completed because the OMS could not be asked or did not answer.",
})
export class CommandFailed extends MutationError {
  /** The union member's name, for logs and metrics (class names do not survive bundling). */
  get typename(): "CommandFailed" {
    return "CommandFailed";
  }

  @Field(() => String, {
    description:
      "OMS_UNAVAILABLE, OMS_RATE_LIMITED, OMS_UNAUTHORIZED, OMS_OUTCOME_UNKNOWN, OMS_CIRCUIT_OPEN (refused by the gateway's circuit breaker before sending), DEADLINE_EXCEEDED (not sent before the bulk call's deadline), ...",
  })
  code!: string;

  @Field(() => ID)
  packageId!: string;

  @Field(() => Boolean, {
    description: "False when the command may or may not have been applied: read the package before retrying.",
  })
  outcomeKnown!: boolean;

  static of(message: string, code: string, packageId: string, outcomeKnown: boolean): CommandFailed {
    return Object.assign(new CommandFailed(), { message, code, packageId, outcomeKnown });
  }
}

export const UpdatePackageShipmentResult = createUnionType({
  name: "UpdatePackageShipmentResult",
  description:
    "The outcome of the command: ShipmentUpdated (OMS 204), ValidationError (400), CommandRejected (406).",
  types: () => [ShipmentUpdated, ValidationError, CommandRejected] as const,
});

export const UpdatePackageShipmentsItem = createUnionType({
  name: "UpdatePackageShipmentsItem",
  description:
    "One bulk item's outcome. A bulk item can also fail in transport (CommandFailed) without failing the others.",
  types: () => [ShipmentUpdated, ValidationError, CommandRejected, CommandFailed] as const,
});
