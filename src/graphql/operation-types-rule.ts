/**
 * A validation rule from the GraphQL specification ("Operation Type Existence", §5.2.1.1) that
 * graphql-js 16 leaves to execution: an operation whose root type the schema lacks (a subscription
 * here) is a mistake in the document, refused with the other validation errors instead of failing
 * as an internal error when it runs.
 */
import { type ASTVisitor, GraphQLError, type ValidationContext } from "graphql";

export function operationTypesRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(node) {
      if (context.getSchema().getRootType(node.operation) !== undefined) return;
      context.reportError(
        new GraphQLError(
          `This API has no ${node.operation}s: the schema defines no ${node.operation} type.`,
          {
            nodes: [node],
          },
        ),
      );
    },
  };
}
