/**
 * A validation rule: an operation may hold at most `max` mutation root fields. Aliases would
 * otherwise let one request fan out into any number of commands (`a: updatePackageShipment(...)
 * b: updatePackageShipment(...)`), around BULK_MAX_ITEMS and BULK_CONCURRENCY.
 */
import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from "graphql";

export function maxMutationFieldsRule(max: number): (context: ValidationContext) => ASTVisitor {
  return (context) => ({
    OperationDefinition(node) {
      if (node.operation !== "mutation") return;
      const fragments = new Map<string, FragmentDefinitionNode>();
      for (const definition of context.getDocument().definitions) {
        if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
      }
      const count = countRootFields(node.selectionSet, fragments, new Set());
      if (count > max) {
        context.reportError(
          new GraphQLError(
            `An operation may run at most ${max} mutation field(s), got ${count}; use updatePackageShipments for many packages.`,
            { nodes: [node], extensions: { code: "TOO_MANY_MUTATION_FIELDS" } },
          ),
        );
      }
    },
  });
}

// Private: fields reached through fragments count too; a fragment cycle is reported by graphql's
// own rules, so `seen` only has to keep this count from looping.
function countRootFields(
  selectionSet: SelectionSetNode,
  fragments: ReadonlyMap<string, FragmentDefinitionNode>,
  seen: Set<string>,
): number {
  let count = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value !== "__typename") count++;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      count += countRootFields(selection.selectionSet, fragments, seen);
    } else {
      const fragment = fragments.get(selection.name.value);
      if (fragment && !seen.has(fragment.name.value)) {
        seen.add(fragment.name.value);
        count += countRootFields(fragment.selectionSet, fragments, seen);
      }
    }
  }
  return count;
}
