import type { Pool } from 'pg';
import { AppError, isAppError } from '../../errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Metrics } from '../../infra/metrics.js';
import { fellBehind } from '../realtime/fell-behind.js';
import { createPushIterator } from '../realtime/push-iterator.js';
import type { UserFeeds } from '../realtime/user-feeds.js';
import type { CommittedEvent } from './committed-events.js';
import { isCommitted, type LiveEvent } from './live-event.js';
import type { EventRouter } from './event-router.js';
import { replayEvents } from './replay.js';

export type InboxDeps = {
  feeds: UserFeeds<LiveEvent>;
  router: EventRouter;
  pool: Pick<Pool, 'query'>;
  metrics: Metrics;
  logger: Logger;
  maxQueue?: number;
};

const REPLAY_PAGE = 500;

const FELL_BEHIND = 'Subscribe again with the cursor of the last event you received.';

/**
 * The user's events after position `after` (replayed from PostgreSQL, however old), then live; or,
 * without `after`, from now. The live listener is attached first and buffers while the replay
 * runs; at the seam, buffered events at or below the last replayed position are dropped. The live
 * path delivers in position order (the event router sees to it), so every event comes once, in
 * order, with no gap. The replay is paced by the subscriber: a page is read only once the previous
 * one has been taken.
 */
export function subscribeToInbox(deps: InboxDeps, userId: string, after: number | null): AsyncIterableIterator<CommittedEvent> {
  const maxQueue = deps.maxQueue ?? 1000;
  const queue = createPushIterator<CommittedEvent>({
    maxQueue: Math.max(maxQueue, REPLAY_PAGE),
    overflowError: fellBehind(deps.metrics, FELL_BEHIND),
  });
  let last = after ?? deps.router.delivered;
  let buffered: CommittedEvent[] | null = after === null ? null : [];

  const deliver = (event: CommittedEvent) => {
    if (event.pos <= last) return;
    last = event.pos;
    if (queue.push(event) && event.kind === 'message') deps.metrics.messagesDelivered.inc();
  };
  queue.whenEnded(
    deps.feeds.listen(userId, (event) => {
      if (!isCommitted(event)) return; // typing and presence have subscriptions of their own
      if (!buffered) return deliver(event);
      buffered.push(event);
      if (buffered.length > maxQueue) queue.fail(fellBehind(deps.metrics, FELL_BEHIND)());
    }),
  );

  if (after !== null) {
    void (async () => {
      try {
        for (;;) {
          const page = await replayEvents(deps.pool, userId, last, { limit: REPLAY_PAGE });
          if (queue.ended) return;
          for (const event of page.events) deliver(event);
          if (!page.hasMore) break;
          await queue.drained();
        }
        const live = buffered ?? [];
        buffered = null;
        for (const event of live) deliver(event);
      } catch (error) {
        if (!isAppError(error)) deps.logger.error({ err: error, userId }, 'inbox replay failed');
        queue.fail(
          isAppError(error)
            ? error
            : new AppError('UNAVAILABLE', 'Your events could not be read right now. Subscribe again with your last cursor.', {
                retryable: true,
              }),
        );
      }
    })();
  }
  return queue.iterator;
}
