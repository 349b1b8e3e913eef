/**
 * The one caller of class-validator. type-graphql's own validation is off because it would turn bad
 * input into a top-level error; here every problem becomes a FieldError with a path into the
 * mutation's arguments, so callers get them as data.
 */
import {
  type ValidationError as ClassValidatorError,
  getMetadataStorage,
  type MetadataStorage,
  validateSync,
} from "class-validator";
import { FieldError } from "./shipment/update-package-shipment.result.js";

// class-validator's constraint names → the stable codes callers can switch on.
const CODES: Readonly<Record<string, string>> = {
  isOmsId: "INVALID_ID",
  hasLength: "INVALID_LENGTH",
  matches: "INVALID_CHARACTERS",
  min: "OUT_OF_RANGE",
};

type Target = Parameters<MetadataStorage["getTargetValidationMetadatas"]>[0];
type Rules = ReturnType<MetadataStorage["getTargetValidationMetadatas"]>;
type RulesByProperty = ReturnType<MetadataStorage["groupByPropertyName"]>;

/**
 * class-validator finds a class's rules anew on every call: it filters all registered rules, walks
 * every registered class for inheritance and groups the result by property, allocating each time
 * (most of its cost on a valid input). Rules are registered by decorators when the classes load, so
 * the two lookups are memoised per class (for calls without groups, the only kind made here), and
 * the memory is dropped should a rule ever be registered later.
 */
export function memoiseRuleLookups(storage: MetadataStorage = getMetadataStorage()): void {
  const marked = storage as MetadataStorage & { [MEMOISED]?: true };
  if (marked[MEMOISED]) return;
  marked[MEMOISED] = true;
  const lookUp = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  const addSchema = storage.addValidationSchema.bind(storage);
  let rulesByClass = new Map<Target, Rules>();
  let groupedRules = new WeakMap<Rules, RulesByProperty>();
  const forget = () => {
    rulesByClass = new Map<Target, Rules>();
    groupedRules = new WeakMap();
  };
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (schema || always || strictGroups || (groups !== undefined && groups.length > 0)) {
      return lookUp(target, schema, always, strictGroups, groups);
    }
    let rules = rulesByClass.get(target);
    if (rules === undefined) {
      rules = lookUp(target, schema, always, strictGroups, groups);
      rulesByClass.set(target, rules);
    }
    return rules;
  };
  storage.groupByPropertyName = (rules) => {
    let grouped = groupedRules.get(rules);
    if (grouped === undefined) {
      grouped = group(rules);
      groupedRules.set(rules, grouped);
    }
    return grouped;
  };
  storage.addValidationMetadata = (rule) => {
    forget();
    addRule(rule);
  };
  storage.addValidationSchema = (schema) => {
    forget();
    addSchema(schema);
  };
}

const MEMOISED = Symbol("oms-graph.memoised");
memoiseRuleLookups();

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
