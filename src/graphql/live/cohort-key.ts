import type { DocumentNode } from 'graphql';

const documentIds = new WeakMap<DocumentNode, number>();
let nextDocumentId = 1;

/**
 * What subscribers must share to be given the same execution of an event: the same parsed document
 * (yoga's parser cache hands out one object per query text), operation and variables (in a
 * canonical form, so `{a, b}` and `{b, a}` agree).
 */
export function cohortKey(
  document: DocumentNode,
  operationName: string | null | undefined,
  variableValues: Record<string, unknown> | null | undefined,
): string {
  let id = documentIds.get(document);
  if (id === undefined) documentIds.set(document, (id = nextDocumentId++));
  return `${id}\u0000${operationName ?? ''}\u0000${canonicalJson(variableValues ?? {})}`;
}

function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}
