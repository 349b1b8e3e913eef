/**
 * Apollo Client's `possibleTypes`, for a frontend that uses its cache: generated from the schema by
 * GraphQL Code Generator's fragment-matcher plugin (schema/client/possible-types.ts), never written by
 * hand, so a union member added to the schema is there after `npm run codegen`.
 */
import generated from "../../../schema/client/possible-types.js";

/** The shape of Apollo Client's `InMemoryCache` option `possibleTypes` (its PossibleTypesMap). */
export type PossibleTypesMap = Record<string, string[]>;

export const possibleTypes: PossibleTypesMap = generated.possibleTypes;

// Checked when this file compiles: the members a cache must know for fragments on the unions and
// the interface, CommandFailed included.
type Generated = (typeof generated)["possibleTypes"];
type Includes<List extends readonly string[], Name extends string> = Name extends List[number] ? true : false;
export const checks: [
  Includes<Generated["UpdatePackageShipmentsItem"], "CommandFailed">,
  Includes<Generated["MutationError"], "CommandFailed">,
  Includes<Generated["UpdatePackageShipmentResult"], "CommandRejected">,
] = [true, true, true];
