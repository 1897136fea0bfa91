import type { Pool } from 'pg';
import { AppError, isAppError } from '../../errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Metrics } from '../../infra/metrics.js';
import { fellBehind } from '../realtime/fell-behind.js';
import { createPushIterator, type PushIterator } from '../realtime/push-iterator.js';
import type { FeedListener, UserFeeds } from '../realtime/user-feeds.js';
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
  const listener = new InboxListener(deps, userId, after);
  if (after !== null) void listener.replay();
  return listener.queue;
}

/** One per subscription, for as long as it lives: a class, so that it is one small object rather than closures. */
class InboxListener implements FeedListener<LiveEvent> {
  readonly queue: PushIterator<CommittedEvent>;
  /** The position of the last event handed on. */
  #last: number;
  /** Live events that came during the replay; null once live. */
  #buffered: CommittedEvent[] | null;

  constructor(
    private readonly deps: InboxDeps,
    private readonly userId: string,
    after: number | null,
  ) {
    this.queue = createPushIterator<CommittedEvent>({
      maxQueue: Math.max(deps.maxQueue ?? 1000, REPLAY_PAGE),
      overflowError: fellBehind(deps.metrics, FELL_BEHIND),
    });
    this.#last = after ?? deps.router.delivered;
    this.#buffered = after === null ? null : [];
    this.queue.whenEnded(this);
    deps.feeds.listen(userId, this);
  }

  onEvent(event: LiveEvent): void {
    if (!isCommitted(event)) return; // typing and presence have subscriptions of their own
    const buffered = this.#buffered;
    if (!buffered) return this.#deliver(event);
    buffered.push(event);
    if (buffered.length > (this.deps.maxQueue ?? 1000)) this.queue.fail(fellBehind(this.deps.metrics, FELL_BEHIND)());
  }

  stop(): void {
    this.deps.feeds.unlisten(this.userId, this);
  }

  /** From the position it was given, page by page as the subscriber takes them; then live. */
  async replay(): Promise<void> {
    const { deps, queue } = this;
    try {
      for (;;) {
        const page = await replayEvents(deps.pool, this.userId, this.#last, { limit: REPLAY_PAGE });
        if (queue.ended) return;
        for (const event of page.events) this.#deliver(event);
        if (!page.hasMore) break;
        await queue.drained();
      }
      const live = this.#buffered ?? [];
      this.#buffered = null;
      for (const event of live) this.#deliver(event);
    } catch (error) {
      if (!isAppError(error)) deps.logger.error({ err: error, userId: this.userId }, 'inbox replay failed');
      queue.fail(
        isAppError(error)
          ? error
          : new AppError('UNAVAILABLE', 'Your events could not be read right now. Subscribe again with your last cursor.', {
              retryable: true,
            }),
      );
    }
  }

  #deliver(event: CommittedEvent): void {
    if (event.pos <= this.#last) return;
    this.#last = event.pos;
    if (this.queue.push(event) && event.kind === 'message') this.deps.metrics.messagesDelivered.inc();
  }
}
