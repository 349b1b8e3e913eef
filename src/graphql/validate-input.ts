/**
 * The one caller of class-validator. type-graphql's own validation is off because it would turn bad
 * input into a top-level error; here every problem becomes a FieldError with a path into the
 * mutation's arguments, so callers get them as data.
 */
import { type ValidationError as ClassValidatorError, validateSync } from "class-validator";
import { FieldError } from "./shipment/update-package-shipment.result.js";

// class-validator's constraint names → the stable codes callers can switch on.
const CODES: Readonly<Record<string, string>> = {
  isOmsId: "INVALID_ID",
  hasLength: "INVALID_LENGTH",
  matches: "INVALID_CHARACTERS",
  min: "OUT_OF_RANGE",
};

/** @param path where the object sits in the arguments, e.g. ["input"] or ["inputs", "3"]. */
export function validateInput(input: object, path: readonly string[]): FieldError[] {
  const errors = validateSync(input, { validationError: { target: false, value: false } });
  return errors.flatMap((error) => toFieldErrors(error, path));
}

function toFieldErrors(error: ClassValidatorError, parent: readonly string[]): FieldError[] {
  const path = [...parent, error.property];
  const own = Object.entries(error.constraints ?? {}).map(([name, message]) =>
    FieldError.of(path, message, CODES[name] ?? "INVALID"),
  );
  return own.concat((error.children ?? []).flatMap((child) => toFieldErrors(child, path)));
}
