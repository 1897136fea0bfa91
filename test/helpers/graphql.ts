// GraphQL clients as a user's app would use them: fetch over HTTP, graphql-ws over a WebSocket.
import { randomBytes } from 'node:crypto';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createDeferred } from './deferred.js';

export type GraphQLResponse<T = any> = {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; [key: string]: unknown } }[];
};

export async function gql<T = any>(
  url: string,
  query: string,
  variables?: Record<string, unknown>,
  token?: string,
): Promise<GraphQLResponse<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResponse<T>;
}

/** The data of a response that must have succeeded; throws with the errors otherwise. */
export async function gqlOk<T = any>(url: string, query: string, variables?: Record<string, unknown>, token?: string): Promise<T> {
  const result = await gql<T>(url, query, variables, token);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

export const errorCode = (result: GraphQLResponse) => result.errors?.[0]?.extensions?.code;

export type TestUser = { id: string; username: string; email: string; password: string; accessToken: string; refreshToken: string };

export const REGISTER = /* GraphQL */ `
  mutation Register($input: RegisterInput!) {
    register(input: $input) {
      user {
        id
        username
        email
        createdAt
      }
      tokens {
        accessToken
        refreshToken
        accessTokenExpiresAt
        refreshTokenExpiresAt
      }
    }
  }
`;

export async function registerUser(url: string, name = 'user'): Promise<TestUser> {
  const suffix = randomBytes(4).toString('hex');
  const username = `${name}_${suffix}`.slice(0, 32);
  const email = `${username}@example.test`;
  const password = 'correct horse battery';
  const data = await gqlOk(url, REGISTER, { input: { email, username, password } });
  return { id: data.register.user.id, username, email, password, ...data.register.tokens };
}

/** What a sent message and a received one are both read as, so tests can compare them whole. */
const MESSAGE_FIELDS = /* GraphQL */ `
  fragment MessageFields on Message {
    id
    conversationId
    seq
    content
    clientMessageId
    createdAt
    sender {
      id
      username
    }
  }
`;

export const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      ...MessageFields
    }
  }
  ${MESSAGE_FIELDS}
`;

export const MESSAGE_RECEIVED = /* GraphQL */ `
  subscription Received($conversationId: ID) {
    messageReceived(conversationId: $conversationId) {
      ...MessageFields
    }
  }
  ${MESSAGE_FIELDS}
`;

/** A connected graphql-ws client (connection acknowledged), as a device of a user. */
export async function connectWs(wsUrl: string, token: string | undefined, options: { viaUrl?: boolean } = {}): Promise<Client> {
  const acked = createDeferred<void>();
  const url = options.viaUrl && token ? `${wsUrl}?token=${encodeURIComponent(token)}` : wsUrl;
  const client = createClient({
    url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: options.viaUrl || !token ? {} : { authorization: `Bearer ${token}` },
    on: {
      connected: () => acked.resolve(),
      closed: (event) => acked.reject(Object.assign(new Error(`socket closed: ${(event as { code?: number }).code}`), { event })),
    },
    onNonLazyError: () => undefined,
  });
  await acked.promise;
  return client;
}

/** Collects the events of one subscription; `next(n)` waits for the n-th. */
export function collect<T = any>(client: Client, query: string, variables: Record<string, unknown> = {}) {
  const events: T[] = [];
  const errors: unknown[] = [];
  let waiters: { count: number; resolve: () => void }[] = [];
  let completed = false;
  const check = () => {
    waiters = waiters.filter((w) => (events.length >= w.count ? (w.resolve(), false) : true));
  };
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (value) => {
        if (value.errors) errors.push(...value.errors);
        if (value.data) events.push(value.data as T);
        check();
      },
      error: (error) => errors.push(error),
      complete: () => {
        completed = true;
      },
    },
  );
  return {
    events,
    errors,
    get completed() {
      return completed;
    },
    /** Resolves once `count` events have arrived; rejects after timeoutMs with what did. */
    until(count: number, timeoutMs = 10_000): Promise<T[]> {
      if (events.length >= count) return Promise.resolve(events);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} events, got ${events.length} in ${timeoutMs} ms; errors: ${JSON.stringify(errors)}`)),
          timeoutMs,
        );
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(events)) });
      });
    },
    dispose,
  };
}
