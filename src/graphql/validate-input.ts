/**
 * The one caller of class-validator. type-graphql's own validation is off because it would turn bad
 * input into a top-level error; here every problem becomes a FieldError with a path into the
 * mutation's arguments, so callers get them as data.
 */
import { type ValidationError as ClassValidatorError, validateSync } from "class-validator";
import { parseOmsId } from "./ids.js";
import { FieldError } from "./shipment/update-package-shipment.result.js";

// class-validator's constraint names → the stable codes callers can switch on.
const CODES: Readonly<Record<string, string>> = {
  hasLength: "INVALID_LENGTH",
  matches: "INVALID_CHARACTERS",
  min: "OUT_OF_RANGE",
};

/** @param path where the object sits in the arguments, e.g. ["input"] or ["inputs", "3"]. */
export function validateInput(input: object, path: readonly string[]): FieldError[] {
  const errors = validateSync(input, { validationError: { target: false, value: false } });
  return errors.flatMap((error) => toFieldErrors(error, path));
}

/**
 * Parses the named id fields of an input, each once: the numbers, or the FieldErrors that say why
 * one is not an OMS id (listed before class-validator's, as the fields are declared first).
 */
export function parseIds<K extends string>(
  input: Readonly<Record<K, string>>,
  names: readonly K[],
  path: readonly string[],
): { ids: Record<K, number>; errors: FieldError[] } {
  const ids = {} as Record<K, number>;
  const errors: FieldError[] = [];
  for (const name of names) {
    const value = input[name];
    const id = parseOmsId(value);
    if (id !== null) ids[name] = id;
    // The value is shown cut short: a huge bad id must not come back in full, twice.
    else
      errors.push(
        FieldError.of(
          [...path, name],
          `${name} must be a positive integer id, got ${JSON.stringify(String(value).slice(0, 40))}.`,
          "INVALID_ID",
        ),
      );
  }
  return { ids, errors };
}

function toFieldErrors(error: ClassValidatorError, parent: readonly string[]): FieldError[] {
  const path = [...parent, error.property];
  const own = Object.entries(error.constraints ?? {}).map(([name, message]) =>
    FieldError.of(path, message, CODES[name] ?? "INVALID"),
  );
  return own.concat((error.children ?? []).flatMap((child) => toFieldErrors(child, path)));
}
