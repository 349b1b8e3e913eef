/**
 * Limits on what one GraphQL document may ask for, checked before anything executes. The rules
 * come from graphql-armor (depth, aliases, directives, cost) and graphql-js (tokens); this module
 * configures them and gives each rejection a stable code callers can switch on.
 */
import { ApolloArmor } from "@escape.tech/graphql-armor";
import type { ValidationRule } from "graphql";

export interface QueryLimits {
  maxTokens: number;
  maxFields: number;
  maxSelections: number;
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

/** Bracket nesting no real document reaches; graphql-js's recursive parser overflows near 2,000. */
export const MAX_NESTING = 128;

/**
 * True when `source` nests braces, parentheses or brackets deeper than `limit`, outside strings and
 * comments. Checked before parsing: the token limit alone does not stop a short, deeply nested
 * document from exhausting the parser's stack.
 */
export function nestsTooDeep(source: string, limit = MAX_NESTING): boolean {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x7b || c === 0x28 || c === 0x5b) {
      if (++depth > limit) return true;
    } else if (c === 0x7d || c === 0x29 || c === 0x5d) {
      depth--;
    } else if (c === 0x23) {
      // A comment runs to the end of the line.
      while (i < source.length && source.charCodeAt(i) !== 0x0a && source.charCodeAt(i) !== 0x0d) i++;
    } else if (c === 0x22) {
      i = skipString(source, i);
    }
  }
  return false;
}

// Private: returns the index of the string's closing quote (block strings """…""" included).
function skipString(source: string, start: number): number {
  if (source.startsWith('"""', start)) {
    const end = source.indexOf('"""', start + 3);
    return end === -1 ? source.length : end + 2;
  }
  for (let i = start + 1; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 0x5c) i++;
    else if (c === 0x22 || c === 0x0a) return i;
  }
  return source.length;
}
