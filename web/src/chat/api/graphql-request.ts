// A bare GraphQL POST, for the few calls that must not go through the urql client: the token
// refresh (the client's own fetch waits on it) and logout. Everything else uses urql.
import { stringifyDocument, type TypedDocumentNode } from '@urql/core';

export const GRAPHQL_PATH = '/graphql';

export type GraphQLErrorShape = { message: string; extensions?: { code?: string; reason?: string; field?: string } };

/** The server answered with errors (as opposed to the network failing, which throws a TypeError). */
export class GraphQLRequestError extends Error {
  constructor(readonly errors: GraphQLErrorShape[]) {
    super(errors[0]?.message ?? 'GraphQL error');
  }
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

export async function graphqlRequest<Data, Variables extends Record<string, unknown>>(
  document: TypedDocumentNode<Data, Variables>,
  variables: Variables,
  accessToken?: string,
): Promise<Data> {
  const response = await fetch(GRAPHQL_PATH, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json',
      ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
    },
    body: JSON.stringify({ query: stringifyDocument(document), variables }),
  });
  const body = (await response.json()) as { data?: Data | null; errors?: GraphQLErrorShape[] };
  if (body.errors?.length) throw new GraphQLRequestError(body.errors);
  if (!body.data) throw new GraphQLRequestError([{ message: `Unexpected answer (${response.status})` }]);
  return body.data;
}
