/**
 * The cheap checks a GraphQL document passes before Apollo validates it, and the memory of every
 * document refused. graphql-js runs all validation rules in one pass, so a limit written as a rule
 * cannot stop the expensive ones: 450 fields of one name cost OverlappingFieldsCanBeMerged
 * 60-130 ms of CPU whatever else fails. Here the document is parsed once and measured (fields,
 * fields in one selection set, aliases) in linear time, and a refusal — ours, or Apollo's parse or
 * validation error — is kept under the document's text, so a repeat is answered from memory.
 * What that one parse learns of an accepted document (its operations' types, its canonical text) is
 * kept too, so no later step of the request parses it again.
 */
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  Kind,
  type OperationTypeNode,
  parse,
  type SelectionSetNode,
  stripIgnoredCharacters,
} from "graphql";
import { BoundedCache } from "./bounded-cache.js";
import { MAX_NESTING, nestsTooDeep } from "./limits.js";

export interface DocumentLimits {
  maxTokens: number;
  /** Fields the operations select in all, fragments expanded. */
  maxFields: number;
  /** Fields one selection set holds once its fragments are merged in: what field merging compares pairwise. */
  maxSelections: number;
  maxAliases: number;
}

/** An answer given instead of running the document. */
export interface DocumentRefusal {
  status: number;
  body: { errors: readonly object[] };
}

/** What the guard's one parse learnt of a document it let through. */
export interface DocumentFacts {
  /** Each operation's type, by name; the anonymous operation under "". */
  readonly operations: ReadonlyMap<string, OperationTypeNode>;
  /**
   * The text without insignificant characters: one request however its client spelled it. Only a
   * mutation with an Idempotency-Key needs it, so it is made on first use and then kept.
   */
  canonical(): string;
}

/** The guard's verdict: answer with a refusal, or run the document, whose facts are then known. */
export type DocumentVerdict = { refusal: DocumentRefusal } | { facts: DocumentFacts };

/** Which check ran: our limits, Apollo's validation, or none (a refusal answered from memory). */
export type DocumentCheck = "limits" | "validation" | "cache";

const ACCEPTED = { maxEntries: 2_000, maxWeight: 8_000_000 };
const REFUSED = { maxEntries: 1_000, maxWeight: 4_000_000 };

export class DocumentGuard {
  private readonly accepted = new BoundedCache<DocumentFacts>(ACCEPTED.maxEntries, ACCEPTED.maxWeight);
  private readonly refused = new BoundedCache<{ refusal: DocumentRefusal; ours: boolean }>(
    REFUSED.maxEntries,
    REFUSED.maxWeight,
  );

  constructor(
    private readonly limits: DocumentLimits,
    private readonly onCheck: (check: DocumentCheck, result: "passed" | "refused") => void = () => {},
  ) {}

  /**
   * What to do with `source`: answer with a refusal, or let Apollo run it. null when the text does
   * not parse: Apollo answers that in its own words.
   * @param preflighted the request passes Apollo's CSRF prevention, which Apollo checks before
   *   parsing: only then may one of Apollo's own refusals be repeated in its place.
   */
  check(source: string, preflighted: boolean): DocumentVerdict | null {
    const known = this.refused.get(source);
    if (known !== undefined && (known.ours || preflighted)) {
      this.onCheck("cache", "refused");
      return { refusal: known.refusal };
    }
    const facts = this.accepted.get(source);
    if (facts !== undefined) return { facts };
    const measured = this.measure(source);
    if (measured === undefined) return null;
    if ("facts" in measured) {
      // Counted at twice the text: the canonical text, once made, is never longer.
      this.accepted.set(source, measured.facts, source.length * 2);
      this.onCheck("limits", "passed");
      return measured;
    }
    this.keep(source, measured.refusal, true);
    this.onCheck("limits", "refused");
    return measured;
  }

  /** Apollo refused `source` (it did not parse or validate): the same text gets the same answer. */
  remember(source: string, refusal: DocumentRefusal): void {
    this.keep(source, refusal, false);
  }

  private keep(source: string, refusal: DocumentRefusal, ours: boolean): void {
    this.refused.set(source, { refusal, ours }, source.length + JSON.stringify(refusal.body).length);
  }

  /** Counts a run of Apollo's validation, for the same metric as the checks here. */
  validated(passed: boolean): void {
    this.onCheck("validation", passed ? "passed" : "refused");
  }

  // Private: the facts when within every limit; undefined when the text does not parse (Apollo
  // answers that in its own words, and that answer is then remembered).
  private measure(source: string): DocumentVerdict | undefined {
    // Nesting past the limit takes at least one character per level, so short documents skip the scan.
    if (source.length > MAX_NESTING && nestsTooDeep(source)) {
      return refused(`The document nests deeper than ${MAX_NESTING} levels.`, "MAX_DEPTH_EXCEEDED");
    }
    let document: DocumentNode;
    try {
      document = parse(source, { maxTokens: this.limits.maxTokens, noLocation: true });
    } catch {
      return undefined;
    }
    const size = measureDocument(document);
    const { maxFields, maxSelections, maxAliases } = this.limits;
    if (size.fields > maxFields) {
      return refused(
        `The document selects ${size.fields} fields; at most ${maxFields} are allowed.`,
        "MAX_FIELDS_EXCEEDED",
      );
    }
    if (size.widest > maxSelections) {
      return refused(
        `One selection set of the document holds ${size.widest} fields; at most ${maxSelections} are allowed.`,
        "MAX_SELECTIONS_EXCEEDED",
      );
    }
    if (size.aliases > maxAliases) {
      return refused(
        `The document uses ${size.aliases} aliases; at most ${maxAliases} are allowed.`,
        "MAX_ALIASES_EXCEEDED",
      );
    }
    return { facts: factsOf(source, document) };
  }
}

function refused(message: string, code: string): DocumentVerdict {
  return { refusal: { status: 400, body: { errors: [{ message, extensions: { code } }] } } };
}

function factsOf(source: string, document: DocumentNode): DocumentFacts {
  const operations = new Map<string, OperationTypeNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      operations.set(definition.name?.value ?? "", definition.operation);
    }
  }
  // Stripped, not printed: printing would also merge spellings (`query { a }` and `{ a }`), and a key
  // kept by an earlier version must still match its retry.
  let canonical: string | undefined;
  return { operations, canonical: () => (canonical ??= stripIgnoredCharacters(source)) };
}

interface Size {
  /** Fields selected, fragments expanded wherever they are spread. */
  fields: number;
  /** Aliases, counted as graphql-armor's alias limit counts them (aliases of __typename are free). */
  aliases: number;
  /** Fields of this selection set once its inline fragments and spreads are merged in. */
  merged: number;
}

/**
 * The sizes of a document's operations, in one walk: each fragment is measured once however often
 * it is spread, so a document that doubles through nested fragments is measured in linear time (its
 * counts grow, and are then refused). A fragment cycle counts as empty; validation reports it.
 */
export function measureDocument(document: DocumentNode): { fields: number; aliases: number; widest: number } {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
  }
  const measured = new Map<string, Size | "measuring">();
  let widest = 0;

  const fragmentSize = (name: string): Size => {
    const known = measured.get(name);
    if (known === "measuring") return { fields: 0, aliases: 0, merged: 0 };
    if (known !== undefined) return known;
    const fragment = fragments.get(name);
    if (fragment === undefined) return { fields: 0, aliases: 0, merged: 0 };
    measured.set(name, "measuring");
    const size = setSize(fragment.selectionSet);
    measured.set(name, size);
    return size;
  };

  const setSize = (selectionSet: SelectionSetNode, top = true): Size => {
    const size: Size = { fields: 0, aliases: 0, merged: 0 };
    for (const selection of selectionSet.selections) {
      let part: Size;
      if (selection.kind === Kind.FIELD) {
        const child = selection.selectionSet ? setSize(selection.selectionSet) : null;
        const aliased =
          selection.alias !== undefined &&
          selection.alias.value !== "__typename" &&
          selection.name.value !== "__typename";
        part = {
          fields: 1 + (child?.fields ?? 0),
          aliases: (aliased ? 1 : 0) + (child?.aliases ?? 0),
          merged: 1,
        };
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        part = setSize(selection.selectionSet, false);
      } else {
        part = fragmentSize(selection.name.value);
      }
      size.fields += part.fields;
      size.aliases += part.aliases;
      size.merged += part.merged;
    }
    if (top && size.merged > widest) widest = size.merged;
    return size;
  };

  let fields = 0;
  let aliases = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue;
    const size = setSize(definition.selectionSet);
    fields += size.fields;
    aliases += size.aliases;
  }
  // A fragment's own selection sets count even where it is spread into a wider one.
  for (const name of fragments.keys()) fragmentSize(name);
  return { fields, aliases, widest };
}
