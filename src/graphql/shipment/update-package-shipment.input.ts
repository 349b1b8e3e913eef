import { IsOptional, Length, Matches, MaxLength, Min, ValidateBy } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";
import { parseOmsId } from "../ids.js";

// Letters, digits, punctuation and spaces of any script; no control or format characters, which
// would end up in label files and carrier systems.
const PRINTABLE = /^[^\p{C}]*$/u;

function IsOmsId(): PropertyDecorator {
  return ValidateBy({
    name: "isOmsId",
    validator: {
      validate: (value) =>
        (typeof value === "string" || typeof value === "number") && parseOmsId(value) !== null,
      defaultMessage: (args) =>
        `${args?.property} must be a positive integer id, got ${JSON.stringify(args?.value)}.`,
    },
  });
}

@InputType({ description: "New shipment details for one package." })
export class UpdatePackageShipmentInput {
  @Field(() => ID, { description: "The OMS id of the package." })
  @IsOmsId()
  packageId!: string;

  @Field(() => ID, { description: "The OMS id of the cargo company." })
  @IsOmsId()
  cargoCompanyId!: string;

  @Field(() => String, {
    description: "The tracking number (the OMS `awb_number`): 1 to 64 characters, trimmed.",
  })
  @Length(1, 64, { message: "trackingNumber must be 1 to 64 characters after trimming." })
  @Matches(PRINTABLE, { message: "trackingNumber must not contain control characters." })
  trackingNumber!: string;

  @Field(() => String, { nullable: true, description: "The carrier's query number: at most 64 characters." })
  @IsOptional()
  @MaxLength(64, { message: "queryNumber must be at most 64 characters." })
  @Matches(PRINTABLE, { message: "queryNumber must not contain control characters." })
  queryNumber?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: "Overrides the transition configured for the package's status. Most callers leave it out.",
  })
  @IsOptional()
  @Min(1, { message: "transitionId must be a positive integer." })
  transitionId?: number | null;
}
