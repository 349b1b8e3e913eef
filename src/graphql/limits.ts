/**
 * Limits on what one GraphQL document may ask for, checked before anything executes. The rules
 * come from graphql-armor (depth, aliases, directives, cost) and graphql-js (tokens); this module
 * configures them and gives each rejection a stable code callers can switch on.
 */
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ValidationRule } from "graphql";

export interface QueryLimits {
  maxTokens: number;
  maxDepth: number;
  maxAliases: number;
  maxDirectives: number;
  maxCost: number;
}

export function limitRules(limits: QueryLimits): ValidationRule[] {
  const armor = new ApolloArmor({
    // Apollo's own hideSchemaDetailsFromClientErrors does this in production.
    blockFieldSuggestion: { enabled: false },
    // graphql-js counts tokens while parsing (Apollo's parseOptions), without a second parse.
    maxTokens: { enabled: false },
    maxDepth: { n: limits.maxDepth },
    maxAliases: { n: limits.maxAliases },
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { maxCost: limits.maxCost },
  });
  return armor.protect().validationRules;
}

// The messages of graphql-armor's rules and of graphql-js's token limit, and the codes they get.
const CODES: ReadonlyArray<[RegExp, string]> = [
  [/^Syntax Error: Query depth limit of \d+ exceeded/, "MAX_DEPTH_EXCEEDED"],
  [/^Syntax Error: Aliases limit of \d+ exceeded/, "MAX_ALIASES_EXCEEDED"],
  [/^Syntax Error: Directives limit of \d+ exceeded/, "MAX_DIRECTIVES_EXCEEDED"],
  [/^Syntax Error: Query Cost limit of \d+ exceeded/, "MAX_COST_EXCEEDED"],
  // graphql-js 16 spells it "more that".
  [/^Syntax Error: Document contains more tha[nt] \d+ tokens/, "MAX_TOKENS_EXCEEDED"],
];

/** The stable code of a limit's rejection message, or null when the message is not one. */
export function limitCode(message: string): string | null {
  for (const [pattern, code] of CODES) if (pattern.test(message)) return code;
  return null;
}
