import {
  GraphQLError,
  Kind,
  NoSchemaIntrospectionCustomRule,
  type ASTVisitor,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * The standard introspection query (graphql-js getIntrospectionQuery, GraphiQL, codegen) is 15
 * levels deep, fragments counted for what they select; nested `ofType`s past that only cost.
 */
export const INTROSPECTION_MAX_DEPTH = 16;

/**
 * Bounds the depth under `__schema` and `__type`, which graphql-armor's depth limit leaves out for
 * `__schema`: without it, `__schema { types { fields { type { ofType { ofType ... } } } } }` is
 * unbounded work for one request.
 */
export function introspectionDepthRule(maxDepth = INTROSPECTION_MAX_DEPTH) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const definition of context.getDocument().definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    }
    const depthOf = (selectionSet: SelectionSetNode | undefined, visiting: Set<string>): number => {
      if (!selectionSet) return 0;
      let deepest = 0;
      for (const selection of selectionSet.selections) {
        if (selection.kind === Kind.FIELD) deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, visiting));
        else if (selection.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depthOf(selection.selectionSet, visiting));
        else {
          const name = selection.name.value;
          if (visiting.has(name)) continue; // a cycle: NoFragmentCycles reports it
          visiting.add(name);
          deepest = Math.max(deepest, depthOf(fragments.get(name)?.selectionSet, visiting));
          visiting.delete(name);
        }
        if (deepest > maxDepth) return deepest; // no need to walk further
      }
      return deepest;
    };
    return {
      Field(node) {
        if (node.name.value !== '__schema' && node.name.value !== '__type') return false;
        const depth = 1 + depthOf(node.selectionSet, new Set());
        if (depth > maxDepth) {
          context.reportError(
            new GraphQLError(`Introspection deeper than ${maxDepth} levels is not allowed (found ${depth}).`, {
              nodes: [node],
              extensions: { code: 'BAD_USER_INPUT' },
            }),
          );
        }
        return false; // nothing inside an introspection field needs this rule again
      },
    };
  };
}

/** Validation rules for introspection: bounded depth always; refused entirely when it is off. */
export function introspectionPlugin({ enabled }: { enabled: boolean }): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(introspectionDepthRule());
      if (!enabled) addValidationRule(NoSchemaIntrospectionCustomRule);
    },
  };
}
