import { GraphQLError } from "graphql";

/**
 * OMS ids are positive integers; GraphQL carries them as `ID` strings. Anything else (`../1`,
 * `1?x=y`, `1e3`, `007`) is refused here so it can never reach an OMS URL.
 */
const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

/**
 * The id as a number, or null when it is not a positive safe integer written plainly. Accepts any
 * value, since ids also arrive inside untyped federation representations.
 */
export function parseOmsId(value: unknown): number | null {
  if (typeof value !== "string" && typeof value !== "number") return null;
  const text = String(value);
  if (!ID_PATTERN.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * The id of a query argument, or a BAD_USER_INPUT error that says what was expected.
 * @param what e.g. "package", used in the message
 */
export function requireOmsId(value: string, what: string, argumentName = "id"): number {
  const id = parseOmsId(value);
  if (id === null) {
    throw new GraphQLError(`A ${what} id is a positive integer, got ${JSON.stringify(value.slice(0, 40))}.`, {
      extensions: { code: "BAD_USER_INPUT", argumentName },
    });
  }
  return id;
}
