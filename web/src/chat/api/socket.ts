// The graphql-ws socket that carries every subscription.
//
// - It connects eagerly (lazy: false) and retries forever with capped, jittered backoff: a chat
//   tab should come back by itself after any outage, however long.
// - connectionParams is a function, so every (re)connection presents a fresh token. The server
//   closes a socket with 4403 when its token expires or its login ends; graphql-ws retries 4403,
//   and after one we force a refresh (the local clock may disagree with the server's).
// - After each refresh the open socket is extended with renewSocket, so it is normally not closed.
// - A dead network is noticed by our own pings (no pong within PONG_TIMEOUT_MS: terminate, which
//   counts as a retryable close) and by the browser's `offline` event: a socket over a vanished
//   network can otherwise look open for a long time.
import { stringifyDocument } from '@urql/core';
import { createClient, type Client } from 'graphql-ws';
import { graphql } from '../../gql';
import type { ConnectionState } from './connection-state';
import { GRAPHQL_PATH } from './graphql-request';
import type { Session } from './session';

const PING_INTERVAL_MS = 10_000;
const PONG_TIMEOUT_MS = 5_000;
const MAX_RETRY_WAIT_MS = 8_000;
const CLOSE_FORBIDDEN = 4403;

const RenewSocketMutation = graphql(`
  mutation ChatRenewSocket($accessToken: String!) {
    renewSocket(accessToken: $accessToken)
  }
`);

export type Socket = {
  client: Client;
  state(): ConnectionState;
  /** Listens to state changes; `connected` fires on every (re)connection, after the ack. */
  on(listener: { state?(state: ConnectionState): void; connected?(): void }): () => void;
  dispose(): void;
};

function socketUrl(): string {
  const url = new URL(GRAPHQL_PATH, window.location.href);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function createSocket(session: Session): Socket {
  let state: ConnectionState = 'connecting';
  let forceRefresh = false;
  /** The token the current (or last) connection was opened with: the stale one after a 4403. */
  let tokenInUse: string | undefined;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<{ state?(state: ConnectionState): void; connected?(): void }>();

  const setState = (next: ConnectionState) => {
    if (next === state) return;
    state = next;
    listeners.forEach((listener) => listener.state?.(next));
  };

  const client = createClient({
    url: socketUrl,
    lazy: false,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    // 0.5 s, 1 s, 2 s ... capped; jittered so that a restarted server is not hit by every tab at once.
    retryWait: (retries) => sleep(Math.min(500 * 2 ** retries, MAX_RETRY_WAIT_MS) * (0.5 + Math.random() / 2)),
    keepAlive: PING_INTERVAL_MS,
    connectionParams: async () => {
      // After a 4403, refresh unless someone already has since the refused token was used.
      const token = forceRefresh ? await session.refresh(tokenInUse) : await session.accessToken();
      forceRefresh = false;
      tokenInUse = token;
      return { authorization: `Bearer ${token}` };
    },
    on: {
      connected: () => {
        setState('online');
        listeners.forEach((listener) => listener.connected?.());
      },
      closed: (event) => {
        clearTimeout(pongTimer);
        if ((event as { code?: number } | undefined)?.code === CLOSE_FORBIDDEN) forceRefresh = true;
        setState('reconnecting');
      },
      ping: (received) => {
        if (!received) pongTimer = setTimeout(() => client.terminate(), PONG_TIMEOUT_MS);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
    },
  });

  const onOffline = () => client.terminate();
  window.addEventListener('offline', onOffline);

  // A refreshed token extends the open socket (renewSocket answers its new expiry). If it fails,
  // the socket is closed at expiry and reconnects with a fresh token: slower, but nothing is lost.
  let lastToken = session.current()?.tokens.accessToken;
  const unsubscribeSession = session.subscribe(() => {
    const token = session.current()?.tokens.accessToken;
    if (!token || token === lastToken) return;
    lastToken = token;
    if (state !== 'online') return;
    tokenInUse = token;
    const stop = client.subscribe(
      { query: stringifyDocument(RenewSocketMutation), variables: { accessToken: token } },
      { next: () => undefined, error: () => undefined, complete: () => stop() },
    );
  });

  return {
    client,
    state: () => state,
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    dispose() {
      window.removeEventListener('offline', onOffline);
      unsubscribeSession();
      clearTimeout(pongTimer);
      listeners.clear();
      void client.dispose();
    },
  };
}
