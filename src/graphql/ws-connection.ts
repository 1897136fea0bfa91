import type { IncomingMessage } from 'node:http';
import {
  CloseCode,
  handleProtocols,
  makeServer,
  MessageType,
  parseMessage,
  type Context,
  type Message,
  type ServerOptions,
  type SubscribeMessage,
} from 'graphql-ws';
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { TickCorkedWebSocket } from './tick-corked-websocket.js';
import type { Logger } from '../infra/logger.js';
import type { SocketSession } from '../modules/auth/socket-sessions.js';

/** What a socket carries besides graphql-ws's own state (graphql-ws's `extra`). */
export type SocketExtra = {
  socket: WebSocket;
  /** The upgrade request, until connection_init has read what it needs of it. */
  request: IncomingMessage | undefined;
  /** The account behind the socket, from connection_init on. */
  session?: SocketSession;
  /** Queries and mutations of this socket whose result is not sent yet, by operation id. */
  pending?: Map<string, () => void>;
  /** graphql-ws's context, once connection_init has arrived (set by onConnect). */
  ctx?: Context<Record<string, unknown> | undefined, unknown>;
};

type Deliver = (data: string) => Promise<void>;
type Subscribe = (conn: GraphqlWsConnection, message: SubscribeMessage) => Promise<void>;

const SENT = Promise.resolve();

/**
 * One socket, as graphql-ws's server sees it (its `WebSocket`) and as its `extra`: one object
 * instead of an adapter, an extra and their closures. Sends do not wait for the write: ws keeps
 * the order, and a query's `next` and `complete` then leave in one write.
 */
export class GraphqlWsConnection implements SocketExtra {
  session?: SocketSession;
  pending?: Map<string, () => void>;
  ctx?: Context<Record<string, unknown> | undefined, unknown>;
  /** graphql-ws's end of the socket: call it when the socket has closed. */
  closed?: (code: number, reason: string) => Promise<void>;
  #deliver: Deliver | undefined;
  /** Until connection_init: graphql-ws's own timer would stay reachable for the socket's life. */
  #initWait: NodeJS.Timeout | undefined;

  constructor(
    readonly socket: WebSocket,
    public request: IncomingMessage | undefined,
    readonly binding: Binding,
  ) {}

  get protocol(): string {
    return this.socket.protocol;
  }

  send(text: string): Promise<void> {
    if (this.socket.readyState === this.socket.OPEN) this.socket.send(text);
    return SENT;
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /** graphql-ws's message handler for this socket (called once, when it is opened). */
  onMessage(deliver: Deliver): void {
    this.#deliver = deliver;
  }

  /** Closes the socket, as graphql-ws does, if connection_init has not come within `ms`. */
  awaitInit(ms: number): void {
    this.#initWait = setTimeout(() => {
      if (!this.ctx) this.close(CloseCode.ConnectionInitialisationTimeout, 'Connection initialisation timeout');
    }, ms);
  }

  /** A message from the client: `subscribe` once acknowledged goes to the operations, the rest to graphql-ws. */
  received(text: string): void {
    if (!this.ctx?.acknowledged) {
      this.#guard(this.#deliver!(text));
      // graphql-ws calls onConnect (which sets ctx) as soon as it reads connection_init.
      if (this.ctx && this.#initWait) this.#stopWaiting();
      return;
    }
    let message: Message;
    try {
      message = parseMessage(text);
    } catch {
      return this.#guard(this.#deliver!(text)); // graphql-ws closes with 4400
    }
    if (message.type === MessageType.Subscribe) return this.#guard(this.binding.subscribe(this, message));
    // Already parsed: graphql-ws's parser takes a message as readily as its text.
    this.#guard(this.#deliver!(message as unknown as string));
  }

  #stopWaiting(): void {
    clearTimeout(this.#initWait);
    this.#initWait = undefined;
  }

  /** The socket closed. */
  ended(code: number, reason: string): void {
    if (this.#initWait) this.#stopWaiting();
    void this.closed?.(code, reason);
  }

  /** As graphql-ws's ws binding does: a failure handling a message closes the socket with 1011. */
  #guard(handled: Promise<void>): void {
    handled.catch((error: unknown) => {
      this.binding.log.error({ err: error }, 'internal error while handling a graphql-ws message');
      const reason = this.binding.isProd
        ? 'Internal server error'
        : limitCloseReason(error instanceof Error ? error.message : String(error));
      this.socket.close(CloseCode.InternalServerError, reason);
    });
  }
}

type Binding = { subscribe: Subscribe; log: Logger; isProd: boolean };

/**
 * graphql-ws's server on a ws server, as graphql-ws's own `useServer` binds it (protocol check,
 * close codes, errors), but with one object per socket and `subscribe` messages handled by
 * `subscribe` (see createOperations). No keep-alive: the caller runs one sweep for all sockets.
 */
export function serveGraphqlWs(
  wss: WebSocketServer,
  options: ServerOptions<Record<string, unknown> | undefined, SocketExtra>,
  subscribe: Subscribe,
  log: Logger,
  /** In production a failure's message stays out of the close reason, as graphql-ws's own binding does. */
  isProd: boolean,
) {
  const binding: Binding = { subscribe, log, isProd };
  const { connectionInitWaitTimeout = 3000 } = options;
  const server = makeServer({ ...options, connectionInitWaitTimeout: 0 });
  wss.options.handleProtocols = handleProtocols;
  wss.once('error', (error) => {
    log.error({ err: error }, 'the WebSocket server failed');
    for (const client of wss.clients) client.close(CloseCode.InternalServerError, 'Internal server error');
  });
  wss.on('connection', (socket: TickCorkedWebSocket, request) => {
    const conn = new GraphqlWsConnection(socket, request, binding);
    socket.owner = conn;
    // Listeners shared by all sockets (`this` is the socket), and `on` rather than `once`: a
    // socket holds no closures or once-wrappers for them.
    socket.on('error', onSocketError);
    conn.closed = server.opened(conn, conn);
    if (connectionInitWaitTimeout > 0) conn.awaitInit(connectionInitWaitTimeout);
    socket.on('message', onSocketMessage);
    socket.on('close', onSocketClose);
  });
  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((error) => (error ? reject(error) : resolve())));
    },
  };
}

const connectionOf = (socket: WebSocket) => (socket as TickCorkedWebSocket).owner as GraphqlWsConnection;

function onSocketMessage(this: WebSocket, data: RawData) {
  connectionOf(this).received(String(data as Buffer));
}

function onSocketClose(this: WebSocket, code: number, reason: Buffer) {
  connectionOf(this).ended(code, String(reason));
}

function onSocketError(this: WebSocket, error: Error) {
  const { binding } = connectionOf(this);
  binding.log.warn({ err: error }, 'a WebSocket failed');
  this.close(CloseCode.InternalServerError, binding.isProd ? 'Internal server error' : limitCloseReason(error.message));
}

/** A close reason is at most 123 bytes (graphql-ws's own rule). */
function limitCloseReason(reason: string, whenTooLong = 'Internal server error'): string {
  return Buffer.byteLength(reason) < 124 ? reason : whenTooLong;
}
