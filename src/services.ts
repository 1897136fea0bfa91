// What resolvers use, built from deps: auth, the send path, live feeds. No I/O happens here.
import type { Deps } from './deps.js';
import type { Services } from './graphql/context.js';
import { createLogin } from './modules/auth/login.js';
import { createTokenService } from './modules/auth/tokens.js';
import { createSendAccess } from './modules/conversations/send-access.js';
import { createBacklogGuard } from './modules/messages/backlog-guard.js';
import { createCommitWaiter } from './modules/messages/commit-waiter.js';
import { createInFlight } from './modules/messages/in-flight.js';
import { createLiveFeeds } from './modules/messages/live-feeds.js';
import { createRateLimiter } from './modules/rate-limit/token-bucket.js';

export function buildServices(deps: Deps): Services {
  const { config, logger, metrics } = deps;
  const tokens = createTokenService({ secret: deps.jwtSecret, accessTtlMs: config.accessTokenTtlMs });
  const authDeps = { db: deps.db, tokens, bcryptCost: config.bcryptCost, refreshTtlMs: config.refreshTokenTtlMs };
  const loginAttempts = createRateLimiter({
    perSecond: config.loginAttemptsPerMinute / 60,
    burst: Math.max(1, config.loginAttemptsPerMinute),
  });
  return {
    config,
    logger,
    metrics,
    db: deps.db,
    tokens,
    auth: { ...authDeps, login: createLogin(authDeps, loginAttempts) },
    send: {
      stream: deps.stream,
      commits: createCommitWaiter({ bus: deps.bus, topics: deps.topics, instanceId: deps.instanceId, logger }),
      access: createSendAccess(deps.db),
      inFlight: createInFlight(),
      backlog: createBacklogGuard({ stream: deps.stream, max: config.streamMaxBacklog }),
      rateLimit: createRateLimiter(config.sendRate),
      instanceId: deps.instanceId,
      sendTimeoutMs: config.sendTimeoutMs,
      metrics,
    },
    feeds: createLiveFeeds({ bus: deps.bus, topics: deps.topics, metrics, logger }),
  };
}
