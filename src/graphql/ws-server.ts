import type { Server } from 'node:http';
import { GraphQLError, getOperationAST, type DocumentNode, type ExecutionArgs } from 'graphql';
import { type Context, type OperationResult, type ServerOptions, type SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer, type WebSocket } from 'ws';
import { createInterner } from '../infra/interner.js';
import { AppError } from '../errors.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import { createWorkTracker } from '../infra/work-tracker.js';
import { bearerToken } from '../modules/auth/tokens.js';
import type { Services } from './context.js';
import type { SocketSession } from '../modules/auth/socket-sessions.js';
import { serveGraphqlWs, type SocketExtra } from './ws-connection.js';
import { createOperations, type PreparedOperation } from './ws-operations.js';
import { maskError } from './errors.js';
import { clientAddress, requestOrigin } from '../http/client-address.js';
import { createLiveDelivery } from './live/live-delivery.js';
import { TickCorkedWebSocket } from './tick-corked-websocket.js';

export type { SocketExtra };

export type WsOptions = {
  httpServer: Server;
  path: string;
  yoga: YogaServerInstance<Record<string, unknown>, Record<string, unknown>>;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  /** Largest frame accepted from a client; ws allows 100 MiB by default. */
  maxPayloadBytes?: number;
  maxSubscriptionsPerSocket?: number;
  /** How often sockets are pinged; one that has not answered by the next ping is closed. */
  keepAliveMs?: number;
  /** Subscription events go through the live delivery engine (false: through graphql-ws, one execution per subscriber). */
  fastPath?: boolean;
};

/**
 * graphql-ws on the HTTP server's /graphql path. The access token is verified once, at
 * connection_init (payload `{ authorization: "Bearer <token>" }`, or `?token=` in the URL), and a
 * bad one closes the socket with 4403 before any event. The user's live feed is opened before the
 * connection is acknowledged, so a subscription started after connection_ack misses nothing.
 * Operations run through yoga's envelop, so plugins, limits and error masking apply here too.
 */
export function attachWebSocketServer(options: WsOptions) {
  const {
    httpServer,
    path,
    yoga,
    services,
    logger,
    metrics,
    maxPayloadBytes = 64 * 1024,
    maxSubscriptionsPerSocket = 50,
    keepAliveMs = 12_000,
    fastPath = true,
  } = options;
  const wss = new WebSocketServer({ server: httpServer, path, maxPayload: maxPayloadBytes, WebSocket: TickCorkedWebSocket });
  const log = logger.child({ component: 'graphql-ws' });
  const operations = createWorkTracker();
  /** Documents found valid (by identity: yoga's parse cache returns the same one for the same text); weak, so bounded by that cache. */
  const validDocuments = new WeakSet<DocumentNode>();
  const internedQuery = createInterner(1000);
  /** Sockets' addresses and origins: thousands of sockets come from a few of each. */
  const internedSocketText = createInterner(10_000);
  const maskForYoga = yogaMaskError(yoga);
  const settle = (extra: SocketExtra, id: string) => {
    const pending = extra.pending;
    if (!pending) return;
    pending.get(id)?.();
    pending.delete(id);
    // Most sockets run an operation now and then: no empty Map kept between them.
    if (pending.size === 0) extra.pending = undefined;
  };
  type Ctx = Context<Record<string, unknown> | undefined, SocketExtra>;

  /** Parses, validates and builds the context of a `subscribe` message: errors to send, or the operation. */
  const prepare = async (ctx: Ctx, id: string, payload: SubscribePayload): Promise<readonly GraphQLError[] | PreparedOperation> => {
    if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerSocket) {
      return [
        new GraphQLError(`At most ${maxSubscriptionsPerSocket} operations at once per socket.`, {
          extensions: { code: 'RATE_LIMITED' },
        }),
      ];
    }
    // graphql-ws keeps the subscribe message for as long as the operation runs: every socket
    // subscribing with the same document then shares one copy of its text.
    (payload as { query: string }).query = internedQuery(payload.query);
    // Only what the context needs: whatever is in here stays reachable from the operation's
    // context as long as it runs, which for a subscription is as long as the socket lives.
    const { schema, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({ session: ctx.extra.session });
    let document;
    try {
      document = parse(payload.query);
    } catch (error) {
      return [error instanceof GraphQLError ? error : new GraphQLError(String(error))];
    }
    // Validation is a function of the schema and the document alone (every rule here is fixed
    // when the server starts), and yoga's parse cache hands back the same document for the same
    // text: a document once found valid needs no second pass, which cost a send ~8 µs.
    if (!validDocuments.has(document)) {
      const errors = validate(schema, document);
      if (errors.length > 0) return errors;
      validDocuments.add(document);
    }
    const operation = getOperationAST(document, payload.operationName);
    if (operation?.operation !== 'subscription') {
      // Counted until its result is on the wire, so a shutdown closes the socket only after.
      (ctx.extra.pending ??= new Map()).set(id, operations.enter());
    }
    const args: ExecutionArgs = {
      schema,
      document,
      operationName: payload.operationName,
      variableValues: payload.variables,
      contextValue: await contextFactory(),
    };
    return { args, operation, execute, subscribe };
  };
  const onComplete = (ctx: Ctx, id: string) => settle(ctx.extra, id);
  // Errors raised by a subscription's event stream reach here without passing yoga's masking.
  const onError = (ctx: Ctx, id: string, errors: readonly GraphQLError[]) =>
    errors.map((error) => {
      settle(ctx.extra, id);
      const masked = maskError(error, 'Unexpected error.') as GraphQLError;
      if (masked.extensions.code === 'INTERNAL_SERVER_ERROR')
        log.error({ err: error.originalError ?? error, operationId: id }, 'unexpected error in a subscription');
      return masked;
    });

  const hooks: ServerOptions<Record<string, unknown> | undefined, SocketExtra> = {
    onConnect: async (ctx) => {
      const token =
        bearerToken(ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization) ?? tokenFromUrl(ctx.extra.request?.url);
      if (!token) return false;
      try {
        const access = services.tokens.verifyAccess(token);
        if (services.revocations.isRevoked(access)) return false;
        const userId = access.userId;
        if (!services.router.isLive()) {
          throw new AppError('UNAVAILABLE', 'Live delivery is unavailable right now (the message bus cannot be reached).');
        }
        const { socket, request } = ctx.extra;
        const session = new WsSession(
          socket,
          { id: userId, email: access.email, sessionId: access.sessionId, tokenExpiresAt: access.expiresAt },
          internedSocketText(clientAddress(request!, services.config.trustProxy)),
          internedSocketText(requestOrigin(request!, services.config)),
        );
        // What the socket needed of its upgrade request and its connection_init (the token) is
        // read: let them go (headers, a parser...), rather than keep them for the socket's life.
        ctx.extra.request = undefined;
        (ctx as { connectionParams?: unknown }).connectionParams = undefined;
        ctx.extra.session = session;
        ctx.extra.ctx = ctx as Context<Record<string, unknown> | undefined, unknown>;
        // Undone in onClose, for a socket with a session.
        services.sockets.add(session);
        services.feeds.acquire(userId);
        void services.presence.socketOpened(userId);
        return true;
      } catch (error) {
        if (error instanceof AppError && error.code === 'UNAUTHENTICATED') return false;
        log.error({ err: error }, 'connection_init failed');
        // 1013 (try again later), not 4500: graphql-ws clients give up on 4500 but retry on this.
        ctx.extra.socket.close(TRY_AGAIN_LATER, 'Live delivery is unavailable; reconnect shortly.');
        return false;
      }
    },
    onComplete,
    onError: (ctx, id, _payload, errors) => onError(ctx, id, errors),
    onClose: (ctx) => {
      metrics.openSockets.dec();
      const { session } = ctx.extra;
      if (session) {
        services.sockets.remove(session);
        services.feeds.release(session.viewer.id);
        void services.presence.socketClosed(session.viewer.id);
      }
      for (const leave of ctx.extra.pending?.values() ?? []) leave();
    },
  };

  let server: { dispose(): void | Promise<void> };
  if (fastPath) {
    // Operations run here (see createOperations); subscription events through the live engine.
    const live = createLiveDelivery({ maskError: maskForYoga, metrics, logger, onReleased: (sub) => ops.released(sub) });
    const ops = createOperations(live, { prepare, onError, onComplete, maskError: maskForYoga });
    server = serveGraphqlWs(wss, hooks, (conn, message) => ops.subscribe(conn, message), log, services.config.env === 'production');
  } else {
    // graphql-ws's own binding and per-operation execution (WS_FAST_PATH=false), to compare against.
    server = useServer<Record<string, unknown> | undefined, SocketExtra>(
      {
        ...hooks,
        execute: (args) => (args.rootValue as EnvelopedRoot).execute(args),
        subscribe: (args) => (args.rootValue as EnvelopedRoot).subscribe(args),
        onSubscribe: async (ctx, id, payload: SubscribePayload) => {
          const prepared = await prepare(ctx, id, payload);
          if (Array.isArray(prepared)) return prepared as GraphQLError[];
          const { args, execute, subscribe } = prepared as PreparedOperation;
          return { ...args, rootValue: { execute, subscribe } satisfies EnvelopedRoot };
        },
      },
      wss,
      // No keep-alive timer per socket: one sweep below pings them all.
      0,
    );
  }

  // The ws README's "detect broken connections": a socket that has not answered the last ping by
  // the next sweep is gone. One timer for all sockets, instead of an interval and a listener each.
  const answered = new WeakSet<WebSocket>();
  const keepAlive = setInterval(() => {
    for (const client of wss.clients) {
      if (!answered.has(client)) {
        client.terminate();
        continue;
      }
      answered.delete(client);
      client.ping();
    }
  }, keepAliveMs);
  keepAlive.unref();

  function onPong(this: WebSocket) {
    answered.add(this);
  }
  wss.on('connection', (socket) => {
    metrics.openSockets.inc(); // down again in onClose
    answered.add(socket);
    socket.on('pong', onPong);
  });

  return {
    wss,
    /** Resolves once every query and mutation received over a socket has its result sent. */
    operationsDone: () => operations.idle(),
    /** Closes every socket with 1001 (going away) and stops accepting new ones. */
    async close(reason = 'Server shutting down; reconnect shortly.') {
      clearInterval(keepAlive);
      for (const client of wss.clients) client.close(GOING_AWAY, reason);
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** WebSocket close code 1001: the server is going away (graphql-ws has no name for it). */
const GOING_AWAY = 1001;
/** WebSocket close code 1013: a temporary condition; the client should reconnect. */
const TRY_AGAIN_LATER = 1013;

/** A socket as the account sees it; a class, so that a socket holds no closures for it. */
class WsSession implements SocketSession {
  constructor(
    private readonly socket: WebSocket,
    readonly viewer: SocketSession['viewer'],
    readonly clientAddress: string,
    readonly origin: string,
  ) {}

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  bufferedAmount(): number {
    return this.socket.bufferedAmount;
  }
}

type EnvelopedRoot = { execute: (args: ExecutionArgs) => OperationResult; subscribe: (args: ExecutionArgs) => OperationResult };

/** yoga's own masking (it logs what it masks), so that the engine's results are masked as the executor's are. */
function yogaMaskError(yoga: WsOptions['yoga']): (error: GraphQLError, message: string) => Error {
  const options = (yoga as unknown as { maskedErrorsOpts?: { maskError?: (error: GraphQLError, message: string) => Error } })
    .maskedErrorsOpts;
  return options?.maskError ?? ((error) => error);
}

function tokenFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  const token = new URL(url, 'http://localhost').searchParams.get('token');
  return token ? bearerToken(token) : undefined;
}
