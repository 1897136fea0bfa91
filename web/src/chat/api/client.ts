// One urql client per login: queries and mutations over HTTP (Bearer header, refresh on
// TOKEN_EXPIRED: see auth-fetch), subscriptions over the login's graphql-ws socket.
//
// No cacheExchange: the chat keeps its own store (state/), fed by the inbox and merged by id and
// seq; a document cache would only hold stale copies beside it.
import { Client, fetchExchange, subscriptionExchange } from '@urql/core';
import { createAuthFetch } from './auth-fetch';
import { GRAPHQL_PATH } from './graphql-request';
import type { Session } from './session';
import { createSocket, type Socket } from './socket';

export type Connection = { client: Client; socket: Socket; dispose(): void };

export function createConnection(session: Session): Connection {
  const socket = createSocket(session);
  const client = new Client({
    url: GRAPHQL_PATH,
    fetch: createAuthFetch(session),
    requestPolicy: 'network-only',
    exchanges: [
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = socket.client.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return { client, socket, dispose: () => socket.dispose() };
}

/** A client with no login, for the register and log-in forms. */
export function createAnonymousClient(): Client {
  return new Client({ url: GRAPHQL_PATH, exchanges: [fetchExchange], requestPolicy: 'network-only' });
}
