// How it is served: yoga over HTTP and graphql-ws on one server, the stream worker beside them.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga } from 'graphql-yoga';
import type { Deps } from './deps.js';
import type { AppError } from './errors.js';
import type { GraphQLContext, Services } from './graphql/context.js';
import { maskError } from './graphql/errors.js';
import { schema } from './graphql/schema.js';
import { attachWebSocketServer, type SocketExtra } from './graphql/ws-server.js';
import { rejectOversizedBody } from './http/body-limit.js';
import { createHealthRoutes } from './http/health.js';
import { createWorkTracker } from './infra/work-tracker.js';
import { createLogin } from './modules/auth/login.js';
import { bearerToken, createTokenService } from './modules/auth/tokens.js';
import { createCommitWaiter } from './modules/messages/commit-waiter.js';
import { createSendAccess } from './modules/conversations/send-access.js';
import { createInFlight } from './modules/messages/in-flight.js';
import { createLiveFeeds } from './modules/messages/live-feeds.js';
import { createMessagePersister } from './modules/worker/message-persister.js';
import { startStreamConsumer, type StreamConsumer } from './modules/worker/stream-consumer.js';
import { isTransientError } from './infra/transient-errors.js';
import { createRateLimiter } from './modules/rate-limit/token-bucket.js';

export const GRAPHQL_PATH = '/graphql';

const GRAPHIQL_DEFAULT_QUERY = `# Register (or login), then put the access token in the Headers tab below:
#   { "Authorization": "Bearer <accessToken>" }
# and run the other operations. Subscriptions work here too (over SSE; apps use graphql-ws).
mutation Register {
  register(input: { email: "alice@example.com", username: "alice", password: "alice-password" }) {
    user { id username }
    tokens { accessToken refreshToken }
  }
}

query Me {
  me { id username email }
}

subscription Inbox {
  messageReceived { id conversationId seq content sender { username } createdAt }
}
`;

export type App = {
  httpServer: Server;
  services: Services;
  /** Listens on config host/port (port 0: a free one); resolves with the GraphQL URL. */
  start(): Promise<{ url: string; port: number }>;
  /** Drains: stops accepting, lets in-flight sends finish, flushes the worker, closes sockets with 1001. */
  stop(): Promise<void>;
};

export function buildApp(deps: Deps, options: { worker?: boolean } = {}): App {
  const { config, logger, metrics } = deps;
  const tokens = createTokenService({ secret: deps.jwtSecret, accessTtlMs: config.accessTokenTtlMs });
  const authDeps = { db: deps.db, tokens, bcryptCost: config.bcryptCost, refreshTtlMs: config.refreshTokenTtlMs };
  const commits = createCommitWaiter({ bus: deps.bus, topics: deps.topics, instanceId: deps.instanceId, logger });
  const feeds = createLiveFeeds({ bus: deps.bus, topics: deps.topics, metrics, logger });
  const inFlight = createInFlight();
  const services: Services = {
    config,
    logger,
    metrics,
    db: deps.db,
    tokens,
    auth: {
      ...authDeps,
      login: createLogin(
        authDeps,
        createRateLimiter({ perSecond: config.loginAttemptsPerMinute / 60, burst: Math.max(1, config.loginAttemptsPerMinute) }),
      ),
    },
    send: {
      stream: deps.stream,
      commits,
      access: createSendAccess(deps.db),
      inFlight,
      rateLimit: createRateLimiter(config.sendRate),
      instanceId: deps.instanceId,
      sendTimeoutMs: config.sendTimeoutMs,
      metrics,
    },
    feeds,
  };

  const yoga = createYoga<Record<string, unknown>, GraphQLContext>({
    schema,
    graphqlEndpoint: GRAPHQL_PATH,
    logging: logger.child({ component: 'yoga' }),
    maskedErrors: { maskError },
    // SSE in GraphiQL: it sends the Headers tab (Authorization) with subscriptions too; apps use graphql-ws.
    graphiql: { title: 'Chat API', subscriptionsProtocol: 'SSE', defaultQuery: GRAPHIQL_DEFAULT_QUERY },
    renderGraphiQL,
    landingPage: false,
    plugins: [EnvelopArmorPlugin({ blockFieldSuggestion: { enabled: config.env === 'production' } })],
    context: (initial): GraphQLContext => {
      // Over graphql-ws the socket's viewer was verified at connection_init; over HTTP, per request.
      const fromSocket = (initial as { viewer?: SocketExtra['viewer'] }).viewer;
      if (fromSocket) return { services, db: deps.db, viewer: fromSocket, authError: null };
      const token = bearerToken(initial.request?.headers.get('authorization'));
      if (!token) return { services, db: deps.db, viewer: null, authError: null };
      try {
        return { services, db: deps.db, viewer: { id: tokens.verifyAccess(token).userId }, authError: null };
      } catch (error) {
        return { services, db: deps.db, viewer: null, authError: error as AppError };
      }
    },
  });

  const state = { draining: false };
  const health = createHealthRoutes(deps, state);
  const requests = createWorkTracker();
  const httpServer = createServer((req, res) => {
    res.once('close', requests.enter());
    if (rejectOversizedBody(req, res)) return;
    health(req, res)
      .then(async (handled) => {
        if (!handled) await yoga.handle(req, res);
      })
      .catch((error) => {
        logger.error({ err: error, url: req.url }, 'HTTP request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  const ws = attachWebSocketServer({ httpServer, path: GRAPHQL_PATH, yoga: yoga as never, services, logger, metrics });

  let worker: StreamConsumer | undefined;
  const startWorker = () => {
    worker = startStreamConsumer({
      stream: deps.stream,
      consumer: deps.instanceId,
      logger,
      batchSize: config.workerBatchSize,
      claimIdleMs: config.workerClaimIdleMs,
      handleBatch: createMessagePersister({
        pool: deps.pool,
        bus: deps.bus,
        topics: deps.topics,
        logger,
        metrics,
        afterCommit: config.failpoint === 'kill-after-commit' ? () => process.kill(process.pid, 'SIGKILL') : undefined,
      }),
      onBatch: ({ size }) => metrics.workerBatchSize.observe(size),
      onDeadLetter: () => metrics.deadLettered.inc(),
      isTransient: isTransientError,
    });
  };

  return {
    httpServer,
    services,
    async start() {
      await commits.start();
      if (options.worker !== false) startWorker();
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(config.port, config.host, () => resolve());
      });
      const { port } = httpServer.address() as AddressInfo;
      const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
      const url = `http://${host}:${port}${GRAPHQL_PATH}`;
      logger.info({ url, engine: deps.engine, instance: deps.instanceId }, `chat server ready: GraphiQL at ${url}`);
      return { url, port };
    },
    async stop() {
      state.draining = true;
      httpServer.close();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref());
      logger.info({ inFlightSends: inFlight.running }, 'draining: no new connections; waiting for sends under way');
      await Promise.race([inFlight.drain().then(() => Promise.all([ws.operationsDone(), requests.idle()])), deadline]);
      // Bounded: with Redis unreachable a read or ack waits for it to come back.
      await Promise.race([worker?.stop(), new Promise<void>((resolve) => setTimeout(resolve, config.shutdownTimeoutMs).unref())]);
      await ws.close();
      await commits.stop();
      httpServer.closeAllConnections();
      logger.info('stopped');
    },
  };
}
