// How it is served: yoga over HTTP and graphql-ws on one server, the stream worker beside them.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Deps } from './deps.js';
import type { Services } from './graphql/context.js';
import { attachWebSocketServer } from './graphql/ws-server.js';
import { createGraphQLServer, GRAPHQL_PATH } from './graphql/yoga.js';
import { rejectOversizedBody } from './http/body-limit.js';
import { createDashboardRoutes } from './http/dashboard.js';
import { createHealthRoutes, metricsText } from './http/health.js';
import { createWebClientRoutes, defaultWebDir } from './http/web-client.js';
import { waitAtMost } from './infra/with-timeout.js';
import { createWorkTracker } from './infra/work-tracker.js';
import { startPeriodic, type Periodic } from './infra/periodic.js';
import { deleteExpiredRefreshTokens } from './modules/auth/refresh-token-retention.js';
import { decodeRevocation } from './modules/auth/session-revocations.js';
import { decodeTyping } from './modules/typing/typing-event.js';
import { decodePresence } from './modules/presence/presence-service.js';
import { startMessageWorker } from './modules/worker/message-worker.js';
import { startThreadedMessageWorker } from './modules/worker/threaded-worker.js';
import type { StreamConsumer } from './modules/worker/stream-consumer.js';
import { buildServices } from './services.js';
import { createLocalFileRoutes, FILES_PATH, type LocalStorage } from './modules/files/local-storage.js';
import { settleUpload } from './modules/files/settle-upload.js';
import { deleteStaleTempFiles, deleteStaleUploads } from './modules/files/upload-retention.js';

export type App = {
  httpServer: Server;
  services: Services;
  /** Listens on config host/port (port 0: a free one); resolves with the GraphQL URL. */
  start(): Promise<{ url: string; port: number }>;
  /** Drains: stops accepting, lets in-flight sends finish, flushes the worker, closes sockets with 1001. */
  stop(): Promise<void>;
  /** Runs the periodic jobs now (expired refresh tokens, the stream backlog reading) instead of at their next tick. */
  runMaintenance(): Promise<void>;
};

export function buildApp(deps: Deps, options: { worker?: boolean } = {}): App {
  const { config, logger, metrics } = deps;
  const services = buildServices(deps);
  const { commits, inFlight } = services.send;
  const yoga = createGraphQLServer(services, deps.db);

  const state = { draining: false };
  const health = createHealthRoutes(deps, state);
  const webDir = config.webDir ?? defaultWebDir();
  const webClient = createWebClientRoutes(webDir);
  const dashboard = createDashboardRoutes({
    token: config.dashboardToken,
    webDir,
    metricsText: () => metricsText(deps),
    metricsContentType: metrics.registry.contentType,
    logger,
    trustProxy: config.trustProxy,
  });
  const routes = async (req: IncomingMessage, res: ServerResponse) =>
    (await health(req, res)) || (await dashboard(req, res)) || webClient(req, res);
  const requests = createWorkTracker();
  const files = deps.storage.kind === 'local' ? localFileRoutes(deps.storage as LocalStorage, services) : undefined;
  const httpServer = createServer((req, res) => {
    res.once('close', requests.enter());
    const isFile = files !== undefined && req.url?.startsWith(FILES_PATH);
    // File bodies are streamed to disk with their own bound (the declared size); the rest is GraphQL.
    if (!isFile && rejectOversizedBody(req, res)) return;
    (isFile ? files!(req, res) : routes(req, res))
      .then(async (handled) => {
        if (!handled) await yoga.handle(req, res);
      })
      .catch((error) => {
        logger.error({ err: error, url: req.url }, 'HTTP request failed');
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  const ws = attachWebSocketServer({
    httpServer,
    path: GRAPHQL_PATH,
    yoga: yoga as never,
    services,
    logger,
    metrics,
    keepAliveMs: config.wsKeepAliveMs,
    fastPath: config.wsFastPath,
  });
  let worker: StreamConsumer | undefined;
  let jobs: Periodic[] = [];
  let stopSessions: (() => Promise<void>) | undefined;
  let stopTyping: (() => Promise<void>) | undefined;
  let stopPresence: (() => Promise<void>) | undefined;

  return {
    httpServer,
    services,
    async start() {
      await commits.start();
      await services.router.start();
      await services.revocations.load(deps.pool);
      stopSessions = await deps.bus.subscribe(deps.topics.sessions, (payload) => {
        try {
          const notice = decodeRevocation(payload);
          services.revocations.record(notice);
          services.sockets.closeRevoked(notice);
        } catch (error) {
          logger.error({ err: error }, 'undecodable sign-out notice dropped');
        }
      });
      stopTyping = await deps.bus.subscribe(deps.topics.typing, (payload) => {
        try {
          const event = decodeTyping(payload);
          for (const userId of event.recipients) services.feeds.dispatch(userId, event);
        } catch (error) {
          logger.error({ err: error }, 'undecodable typing event dropped');
        }
      });
      stopPresence = await deps.bus.subscribe(deps.topics.presence, (payload) => {
        try {
          services.presence.heard(decodePresence(payload));
        } catch (error) {
          logger.error({ err: error }, 'undecodable presence change dropped');
        }
      });
      services.presence.start();
      services.sockets.start();
      jobs = [
        startPeriodic({
          name: 'stream backlog reading',
          everyMs: 1000,
          firstAfterMs: 0,
          logger,
          job: () => services.send.backlog.refresh(),
        }),
        startPeriodic({
          name: 'stale upload deletion',
          everyMs: 10 * 60_000,
          firstAfterMs: 60_000,
          logger,
          job: async () => {
            const deleted = await deleteStaleUploads(services.files);
            const partial = deps.storage.kind === 'local' ? await deleteStaleTempFiles((deps.storage as LocalStorage).tmpDir, 3600_000) : 0;
            if (deleted + partial > 0) logger.info({ deleted, partial }, 'deleted uploads never attached to a message');
          },
        }),
        startPeriodic({ name: 'sign-out list pruning', everyMs: 60_000, logger, job: async () => services.revocations.prune() }),
        startPeriodic({
          name: 'expired refresh token deletion',
          everyMs: 60 * 60_000,
          firstAfterMs: 60_000,
          logger,
          job: async () => {
            const deleted = await deleteExpiredRefreshTokens(deps.db);
            if (deleted > 0) logger.info({ deleted }, 'deleted expired refresh tokens');
          },
        }),
      ];
      if (options.worker !== false) {
        const shared = {
          consumer: deps.instanceId,
          batchSize: config.workerBatchSize,
          claimIdleMs: config.workerClaimIdleMs,
          killAfterCommit: config.failpoint === 'kill-after-commit',
        };
        if (config.redis && config.workerThread) {
          const threaded = startThreadedMessageWorker({
            data: {
              ...shared,
              databaseUrl: deps.databaseUrl,
              redisUrl: config.redis.url,
              keyPrefix: config.redis.keyPrefix,
              deadLetterMax: config.deadLetterMax,
              logLevel: config.logLevel,
            },
            logger,
            metrics,
          });
          worker = threaded;
          // Bounded: a thread that cannot reach Redis keeps retrying; sends wait in the stream meanwhile.
          await waitAtMost(threaded.started, config.shutdownTimeoutMs);
        } else {
          worker = startMessageWorker({
            ...shared,
            stream: deps.stream,
            pool: deps.pool,
            bus: deps.bus,
            topics: deps.topics,
            logger,
            metrics,
          });
        }
      }
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
    async runMaintenance() {
      await Promise.all(jobs.map((job) => job.runNow()));
    },
    async stop() {
      state.draining = true;
      if (config.shutdownGraceMs > 0) {
        // Serving as usual, but not ready: load balancers take this instance out of rotation first.
        logger.info({ graceMs: config.shutdownGraceMs }, 'draining: /ready answers 503; still serving during the grace period');
        await new Promise((resolve) => setTimeout(resolve, config.shutdownGraceMs));
      }
      httpServer.close();
      logger.info({ inFlightSends: inFlight.running }, 'draining: no new connections; waiting for sends under way');
      // Sends commit and answer, then their answers (and any other result) reach the wire.
      await waitAtMost(
        inFlight.drain().then(() => Promise.all([ws.operationsDone(), requests.idle()])),
        config.shutdownTimeoutMs,
      );
      // Bounded too: with Redis unreachable, a read or ack waits for it to come back.
      await waitAtMost(worker?.stop(), config.shutdownTimeoutMs);
      await ws.close();
      await Promise.all(jobs.map((job) => job.stop()));
      await services.router.stop();
      services.sockets.stop();
      await stopSessions?.();
      await stopTyping?.();
      // After the sockets closed: their users go offline now, not when the leases run out.
      await services.presence.stop();
      await stopPresence?.();
      services.typing.stopAll();
      await commits.stop();
      httpServer.closeAllConnections();
      logger.info('stopped');
    },
  };
}

/** The local backend's PUT and GET routes, settling each upload as its bytes land. */
function localFileRoutes(storage: LocalStorage, services: Services) {
  return createLocalFileRoutes({
    storage,
    async accepts(uploadId) {
      const { rows } = await services.files.pool.query<{ status: string }>('SELECT status FROM uploads WHERE id = $1', [uploadId]);
      return rows[0]?.status === 'PENDING';
    },
    async onStored(uploadId) {
      const upload = await settleUpload(services.files, uploadId);
      if (!upload) return { ok: false, status: 404, error: 'No such upload.' };
      if (upload.status === 'REFUSED') return { ok: false, status: 415, error: upload.refusal ?? 'The file was refused.' };
      return { ok: true };
    },
    allowDownload: async (userId) => services.limits.download.take(userId, 'downloads'),
  });
}
