// Introspection: on in development (GraphiQL and codegen work), off by default in production, and
// never unbounded: its depth is capped like every other query's.
import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import { gql } from '../helpers/graphql.js';
import { useTestServer } from '../helpers/test-server.js';

const ofTypes = (n: number): string => (n === 0 ? 'name' : `name ofType { ${ofTypes(n - 1)} }`);
const DEEP = `{ __schema { types { fields { type { ${ofTypes(20)} } } } } }`;
const TYPE_NAME = `{ __type(name: "Message") { name fields { name } } }`;

describe('introspection in development (the default)', () => {
  const server = useTestServer({ env: { NODE_ENV: 'development' } });

  it('when GraphiQL or codegen asks for the schema, then the standard introspection query answers', async () => {
    const result = await gql(server.url, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true }));
    expect(result.errors).toBeUndefined();
    expect(result.data.__schema.types.some((t: { name: string }) => t.name === 'Conversation')).toBe(true);
  });

  it('when an introspection query nests far deeper than any tool does, then BAD_USER_INPUT and no work', async () => {
    const result = await gql(server.url, DEEP);
    expect(result.data).toBeUndefined();
    expect(result.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toMatch(/Introspection deeper than 16 levels/);
  });
});

describe('introspection in production', () => {
  const server = useTestServer({ env: { NODE_ENV: 'production' } });

  it('when anyone introspects, then it is refused, and GraphiQL is not served', async () => {
    for (const query of [getIntrospectionQuery(), TYPE_NAME]) {
      const result = await gql(server.url, query);
      expect(result.data).toBeUndefined();
      expect(result.errors?.[0]?.message).toMatch(/introspection/i);
    }
    const page = await fetch(server.url, { headers: { accept: 'text/html' } });
    expect(await page.text()).not.toContain('GraphiQL');
    // Ordinary queries still work (and a __typename is not introspection).
    expect((await gql(server.url, '{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

describe('introspection in production, turned on', () => {
  const server = useTestServer({ env: { NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' } });

  it('when GRAPHQL_INTROSPECTION=true, then the schema is served, still depth-capped', async () => {
    expect((await gql(server.url, TYPE_NAME)).data.__type.name).toBe('Message');
    expect((await gql(server.url, DEEP)).errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
