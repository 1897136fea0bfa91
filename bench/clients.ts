// One user's device as the workloads drive it, over either server: graphql-ws to the chat server,
// or the bare ws protocol of bare-ws-server.ts. The same shape, so the same workload code runs both.
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { withTimeout } from './async-utils.js';
import type { BareClientFrame, BareServerFrame } from './bare-ws-server.js';

export type MessageEvent = { senderId: string; content: string };

export interface BenchConnection {
  readonly userId: string;
  /** Opens this socket's live feed: every message of the user's conversations, their own included. */
  subscribe(onEvent: (event: MessageEvent) => void): void;
  /**
   * Opens a second subscription on the same socket, the user's inbox stream from now on (the chat
   * server only); `onEvent` is called for each of its events. Errors count into feedErrors.
   */
  subscribeInbox?(onEvent: () => void): void;
  /** Resolves when the server answers the send (for the chat server: once the message is stored). */
  send(conversationId: string, content: string, clientMessageId: string): Promise<void>;
  /** Errors the live feed reported (a subscription ending early, a socket closing under us). */
  readonly feedErrors: number;
  close(): Promise<void>;
}

const CONNECT_TIMEOUT_MS = 15_000;

const SEND = /* GraphQL */ `
  mutation Send($input: SendMessageInput!) {
    sendMessage(input: $input) {
      id
      seq
      conversationId
      createdAt
    }
  }
`;

const MESSAGE_RECEIVED = /* GraphQL */ `
  subscription Received {
    messageReceived {
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
  }
`;

type ReceivedData = { messageReceived?: { content: string; sender: { id: string } } };

const INBOX = /* GraphQL */ `
  subscription Inbox {
    inbox {
      __typename
      cursor
    }
  }
`;

type InboxData = { inbox?: { __typename: string; cursor: string } };

/** A graphql-ws client, acknowledged (connection_init accepted) before this resolves. */
export async function connectGraphqlWs(wsUrl: string, user: { id: string; token: string }): Promise<BenchConnection> {
  let feedErrors = 0;
  let closing = false;
  let onAck!: () => void;
  let onEarlyClose!: (error: Error) => void;
  const acked = new Promise<void>((resolve, reject) => ((onAck = resolve), (onEarlyClose = reject)));
  const client: Client = createClient({
    url: wsUrl,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${user.token}` },
    on: {
      connected: () => onAck(),
      closed: (event) => {
        onEarlyClose(new Error(`socket closed before connection_ack: ${describe(event)}`));
        if (!closing) feedErrors += 1;
      },
    },
    onNonLazyError: () => undefined,
  });
  await withTimeout(acked, CONNECT_TIMEOUT_MS, `no connection_ack within ${CONNECT_TIMEOUT_MS / 1000} s`);

  return {
    userId: user.id,
    get feedErrors() {
      return feedErrors;
    },
    subscribe(onEvent) {
      client.subscribe<ReceivedData>(
        { query: MESSAGE_RECEIVED },
        {
          next: (result) => {
            const message = result.data?.messageReceived;
            if (message) onEvent({ senderId: message.sender.id, content: message.content });
            else feedErrors += 1;
          },
          error: () => void (closing || (feedErrors += 1)),
          complete: () => void (closing || (feedErrors += 1)),
        },
      );
    },
    subscribeInbox(onEvent) {
      client.subscribe<InboxData>(
        { query: INBOX },
        {
          next: (result) => {
            if (result.data?.inbox) onEvent();
            else feedErrors += 1;
          },
          error: () => void (closing || (feedErrors += 1)),
          complete: () => void (closing || (feedErrors += 1)),
        },
      );
    },
    send(conversationId, content, clientMessageId) {
      return new Promise<void>((resolve, reject) => {
        let answered = false;
        client.subscribe(
          { query: SEND, variables: { input: { conversationId, content, clientMessageId } } },
          {
            next: (result) => {
              answered = true;
              if (result.errors?.length) reject(new Error(result.errors.map(describe).join('; ')));
              else resolve();
            },
            error: (error) => reject(new Error(describe(error))),
            complete: () => answered || reject(new Error('sendMessage completed without an answer')),
          },
        );
      });
    },
    async close() {
      closing = true;
      await client.dispose();
    },
  };
}

/** A client of the bare ws server: user id in the URL, JSON frames, an ack per send. */
export async function connectBareWs(wsUrl: string, userId: string): Promise<BenchConnection> {
  const socket = new WebSocket(`${wsUrl}?user=${encodeURIComponent(userId)}`);
  await withTimeout(
    new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    }),
    CONNECT_TIMEOUT_MS,
    `bare ws: not open within ${CONNECT_TIMEOUT_MS / 1000} s`,
  );
  const pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  let nextId = 0;
  let feedErrors = 0;
  let closing = false;
  let onEvent: ((event: MessageEvent) => void) | undefined;
  const write = (frame: BareClientFrame) => socket.send(JSON.stringify(frame));

  socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as BareServerFrame;
    if (frame.t === 'msg') onEvent?.({ senderId: frame.from, content: frame.body });
    else if (frame.t === 'ack') pending.get(frame.id)?.resolve();
    else pending.get(frame.id)?.reject(new Error(frame.error));
    if (frame.t !== 'msg') pending.delete(frame.id);
  });
  socket.on('close', (code) => {
    if (!closing) feedErrors += 1;
    for (const { reject } of pending.values()) reject(new Error(`bare ws: socket closed (${code})`));
    pending.clear();
  });

  return {
    userId,
    get feedErrors() {
      return feedErrors;
    },
    subscribe(handler) {
      onEvent = handler;
      write({ t: 'sub' });
    },
    send(conversationId, content) {
      const id = ++nextId;
      return new Promise<void>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        write({ t: 'send', id, to: conversationId, body: content });
      });
    },
    async close() {
      closing = true;
      if (socket.readyState === WebSocket.CLOSED) return;
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.close(1000);
      await withTimeout(closed, 5000, 'bare ws: close not acknowledged').catch(() => socket.terminate());
    },
  };
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  const value = error as { message?: string; code?: number; reason?: string; extensions?: { code?: string } } | undefined;
  if (Array.isArray(error)) return error.map(describe).join('; ');
  if (value?.message) return value.extensions?.code ? `${value.extensions.code}: ${value.message}` : value.message;
  if (value?.code !== undefined) return `close ${value.code}${value.reason ? ` ${value.reason}` : ''}`;
  return String(error);
}
