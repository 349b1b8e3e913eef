/**
 * OMS ids are positive integers; GraphQL carries them as `ID` strings. Anything else (`../1`,
 * `1?x=y`, `1e3`, `007`) is refused here so it can never reach an OMS URL.
 */
const ID_PATTERN = /^[1-9][0-9]{0,15}$/;

/** The id as a number, or null when it is not a positive safe integer written plainly. */
export function parseOmsId(value: string | number): number | null {
  const text = String(value);
  if (!ID_PATTERN.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}
