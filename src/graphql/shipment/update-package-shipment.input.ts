import { IsOptional, Matches, Min, ValidateBy, type ValidationOptions } from "class-validator";
import { Field, ID, InputType, Int } from "type-graphql";

// Letters, digits, punctuation and spaces of any script; no control or format characters, which
// would end up in label files and carrier systems. U+2028 and U+2029 are separators, not controls,
// to Unicode, but they break lines (and JavaScript string literals) just as a newline does.
const PRINTABLE = /^[^\p{C}\p{Zl}\p{Zp}]*$/u;

/**
 * Length in code points, as the OMS (Django) counts it. validator.js's isLength skips variation
 * selectors, so "A\uFE0F" repeated 64 times would pass at 128 characters.
 */
function HasLength(min: number, max: number, options: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: "hasLength",
      validator: {
        validate: (value) => {
          if (typeof value !== "string") return false;
          let length = 0;
          for (const _ of value) if (++length > max) return false;
          return length >= min;
        },
      },
    },
    options,
  );
}

@InputType("UpdatePackageShipmentInput", { description: "New shipment details for one package." })
export class UpdatePackageShipmentInput {
  // The ids are checked where they are parsed into numbers, once: validate-input.ts.
  @Field(() => ID, { description: "The OMS id of the package." })
  packageId!: string;

  @Field(() => ID, { description: "The OMS id of the cargo company." })
  cargoCompanyId!: string;

  @Field(() => String, {
    description: "The tracking number (the OMS `awb_number`): 1 to 64 characters, trimmed.",
  })
  @HasLength(1, 64, { message: "trackingNumber must be 1 to 64 characters after trimming." })
  @Matches(PRINTABLE, { message: "trackingNumber must not contain control characters." })
  trackingNumber!: string;

  @Field(() => String, { nullable: true, description: "The carrier's query number: at most 64 characters." })
  @IsOptional()
  @HasLength(0, 64, { message: "queryNumber must be at most 64 characters." })
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

/**
 * Trims the text fields in place, before validation, so "  AB1 " is valid and sent as "AB1"; an empty
 * query number means "none". In place because type-graphql builds a new input object for every
 * request: no one else holds this one.
 */
export function trimInput(input: UpdatePackageShipmentInput): void {
  input.trackingNumber = input.trackingNumber.trim();
  const query = input.queryNumber?.trim();
  input.queryNumber = query === undefined || query === "" ? null : query;
}
