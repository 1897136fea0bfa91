import type { Config } from '../config.js';
import type { AppError } from '../errors.js';
import type { Db } from '../infra/db/prisma.js';
import type { Logger } from '../infra/logger.js';
import type { Metrics } from '../infra/metrics.js';
import type { createLogin } from '../modules/auth/login.js';
import type { AuthDeps } from '../modules/auth/sessions.js';
import type { TokenService } from '../modules/auth/tokens.js';
import type { SessionRevocations } from '../modules/auth/session-revocations.js';
import type { SocketSession, SocketSessions } from '../modules/auth/socket-sessions.js';
import type { LiveEvent } from '../modules/events/live-event.js';
import type { TypingState } from '../modules/typing/typing-state.js';
import type { PresenceService } from '../modules/presence/presence-service.js';
import type { FilesDeps } from '../modules/files/files-deps.js';
import type { RateLimiter } from '../modules/rate-limit/token-bucket.js';
import type { EventRouter } from '../modules/events/event-router.js';
import type { ConversationDeps } from '../modules/conversations/conversation-deps.js';
import type { UserFeeds } from '../modules/realtime/user-feeds.js';
import type { SendMessageDeps } from '../modules/messages/send-message.js';
import type { StreamCapture } from './live/stream-capture.js';

/** What resolvers may use; built once per app in app.ts. */
export type Services = {
  config: Config;
  logger: Logger;
  metrics: Metrics;
  db: Db;
  tokens: TokenService;
  revocations: SessionRevocations;
  sockets: SocketSessions;
  auth: AuthDeps & { login: ReturnType<typeof createLogin> };
  send: SendMessageDeps;
  conversations: ConversationDeps;
  feeds: UserFeeds<LiveEvent>;
  typing: TypingState;
  presence: PresenceService;
  limits: {
    typing: RateLimiter;
    markRead: RateLimiter;
    renewSocket: RateLimiter;
    register: RateLimiter;
    upload: RateLimiter;
    download: RateLimiter;
  };
  files: FilesDeps;
  router: EventRouter;
};

/** Who an operation speaks for: from the access token (verified once per socket over graphql-ws). */
export type Viewer = { id: string; email?: string; sessionId?: string; tokenExpiresAt?: Date };

/** Per operation. Over WebSocket the viewer comes from connection_init, verified once per socket. */
export type GraphQLContext = {
  services: Services;
  db: Db;
  viewer: Viewer | null;
  /** Why a presented token was refused, for a precise UNAUTHENTICATED message. */
  authError: AppError | null;
  /** This server's origin as the client reached it (for the file links it hands out). */
  origin: string;
  /** The client's network address (X-Forwarded-For counted only through TRUST_PROXY proxies). */
  clientAddress: string;
  /** The graphql-ws socket the operation came over; absent over HTTP. */
  socket?: SocketSession;
  /** A subscription over graphql-ws: receives its source stream, for the live delivery engine. */
  streamCapture?: StreamCapture;
};
