// What resolvers use, built from deps: auth, the send path, live feeds and the event router. No I/O happens here.
import type { Deps } from './deps.js';
import type { Services } from './graphql/context.js';
import { createLogin } from './modules/auth/login.js';
import { createTokenService } from './modules/auth/tokens.js';
import type { AuthDeps } from './modules/auth/sessions.js';
import { createSessionRevocations, encodeRevocation } from './modules/auth/session-revocations.js';
import { createSocketSessions } from './modules/auth/socket-sessions.js';
import type { ConversationDeps } from './modules/conversations/conversation-deps.js';
import { getOrCreateDirectConversation } from './modules/conversations/direct-conversation.js';
import { createSendAccess } from './modules/conversations/send-access.js';
import { createEventPublisher } from './modules/events/publish-events.js';
import { createBacklogGuard } from './modules/messages/backlog-guard.js';
import { createCommitWaiter } from './modules/messages/commit-waiter.js';
import { createInFlight } from './modules/messages/in-flight.js';
import type { LiveEvent } from './modules/events/live-event.js';
import { createTypingState } from './modules/typing/typing-state.js';
import { createPresenceService } from './modules/presence/presence-service.js';
import { readClock } from './modules/events/event-clock.js';
import { createEventRouter } from './modules/events/event-router.js';
import { replayAll } from './modules/events/replay.js';
import { createUserFeeds } from './modules/realtime/user-feeds.js';
import type { FilesDeps } from './modules/files/files-deps.js';

export function buildServices(deps: Deps): Services {
  const { config, logger, metrics } = deps;
  const tokens = createTokenService({ secret: deps.jwtSecret, accessTtlMs: config.accessTokenTtlMs });
  const revocations = createSessionRevocations({ accessTtlMs: config.accessTokenTtlMs });
  const authDeps: AuthDeps = {
    db: deps.db,
    tokens,
    bcryptCost: config.bcryptCost,
    refreshTtlMs: config.refreshTokenTtlMs,
    announce: async (notice) => {
      // Here at once (this instance answers the caller), everywhere else through the bus.
      revocations.record(notice);
      sockets.closeRevoked(notice);
      await deps.bus
        .publish([deps.topics.sessions], encodeRevocation(notice))
        .catch((error) =>
          logger.warn({ err: error }, 'could not announce a sign-out to other instances; their sockets close when tokens expire'),
        );
    },
  };
  const sockets = createSocketSessions({ tokens, revocations });
  const loginAttempts = deps.limiter('login', {
    perSecond: config.loginAttemptsPerMinute / 60,
    burst: Math.max(1, config.loginAttemptsPerMinute),
  });
  const feeds = createUserFeeds<LiveEvent>();
  const files: FilesDeps = { pool: deps.pool, storage: deps.storage, config: config.files };
  const conversations: ConversationDeps = {
    pool: deps.pool,
    publish: createEventPublisher({ bus: deps.bus, topics: deps.topics, logger }),
    maxMembers: config.groupMaxMembers,
  };
  const access = createSendAccess(deps.db, (a, b) => getOrCreateDirectConversation(conversations, a, b));
  return {
    config,
    logger,
    metrics,
    db: deps.db,
    tokens,
    revocations,
    sockets,
    auth: { ...authDeps, login: createLogin(authDeps, loginAttempts) },
    send: {
      stream: deps.stream,
      commits: createCommitWaiter({ bus: deps.bus, topics: deps.topics, instanceId: deps.instanceId, logger }),
      access,
      inFlight: createInFlight(),
      backlog: createBacklogGuard({ stream: deps.stream, max: config.streamMaxBacklog }),
      rateLimit: deps.limiter('send', config.sendRate),
      instanceId: deps.instanceId,
      sendTimeoutMs: config.sendTimeoutMs,
      metrics,
      files,
    },
    files,
    conversations,
    feeds,
    presence: createPresenceService({
      store: deps.presence,
      bus: deps.bus,
      topics: deps.topics,
      instanceId: deps.instanceId,
      logger,
      leaseMs: config.presenceLeaseMs,
    }),
    typing: createTypingState({ pool: deps.pool, bus: deps.bus, topics: deps.topics, logger }),
    // Per user, per instance: what a person does often, at a rate no person reaches.
    limits: {
      typing: deps.limiter('typing', { perSecond: 5, burst: 20 }),
      markRead: deps.limiter('read', { perSecond: 10, burst: 50 }),
      renewSocket: deps.limiter('renew', { perSecond: 1, burst: 5 }),
      upload: deps.limiter('upload', { perSecond: config.files.uploadsPerMinute / 60, burst: Math.max(1, config.files.uploadsPerMinute) }),
      download: deps.limiter('download', {
        perSecond: config.files.downloadsPerMinute / 60,
        burst: Math.max(1, config.files.downloadsPerMinute),
      }),
      register: deps.limiter('register', { perSecond: config.registerRatePerHour / 3600, burst: Math.max(1, config.registerRatePerHour) }),
    },
    router: createEventRouter({
      bus: deps.bus,
      topics: deps.topics,
      feeds,
      readClock: () => readClock(deps.pool),
      replay: (userId, after, upTo) => replayAll(deps.pool, userId, after, upTo),
      logger,
      deliveryLatency: metrics.deliveryLatency,
      onEvent: (event) => {
        if (event.kind === 'conversation') for (const userId of event.removed) access.forget(event.conversationId, userId);
      },
    }),
  };
}
