import { AppError } from '../../errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Metrics } from '../../infra/metrics.js';
import { withTimeout } from '../../infra/with-timeout.js';
import type { Bus, Topics, Unsubscribe } from '../realtime/bus.js';
import { decodeMessage, type CommittedMessage } from './message-event.js';
import { createPushIterator } from './push-iterator.js';

type Listener = { conversationId: string | null; push: (message: CommittedMessage) => boolean };
type Feed = { refs: number; live: Promise<Unsubscribe>; listeners: Set<Listener> };

export type LiveFeeds = ReturnType<typeof createLiveFeeds>;

/**
 * Per instance, one bus subscription per connected user (ref-counted), shared by all of that
 * user's sockets and subscriptions here. An event is decoded once and handed to every listener:
 * delivery costs no database query and no per-socket decoding.
 */
export function createLiveFeeds({
  bus,
  topics,
  metrics,
  logger,
  maxQueue = 1000,
  liveWithinMs = 5000,
}: {
  bus: Bus;
  topics: Topics;
  metrics: Metrics;
  logger: Logger;
  maxQueue?: number;
  /** How long opening a feed may wait for the bus before failing with UNAVAILABLE. */
  liveWithinMs?: number;
}) {
  const feeds = new Map<string, Feed>();

  const dispatch = (feed: Feed) => (payload: string) => {
    let message: CommittedMessage;
    try {
      message = decodeMessage(payload);
    } catch (error) {
      logger.error({ err: error }, 'undecodable message event dropped');
      return;
    }
    for (const listener of feed.listeners) {
      if (listener.conversationId !== null && listener.conversationId !== message.conversationId) continue;
      if (listener.push(message)) metrics.messagesDelivered.inc();
    }
  };

  /** Takes a reference on the user's feed; resolves once it is live. Call the result to release. */
  async function acquire(userId: string): Promise<() => void> {
    let feed = feeds.get(userId);
    if (!feed) {
      const created: Feed = { refs: 0, listeners: new Set(), live: undefined as unknown as Promise<Unsubscribe> };
      created.live = bus.subscribe(topics.user(userId), dispatch(created));
      created.live.catch(() => feeds.get(userId) === created && feeds.delete(userId));
      feeds.set(userId, (feed = created));
    }
    feed.refs += 1;
    const held = feed;
    try {
      await withTimeout(held.live, liveWithinMs);
    } catch (error) {
      held.refs -= 1;
      // A subscription that goes live later with nobody left to use it is dropped then.
      held.live
        .then((unsubscribe) => {
          if (held.refs === 0 && feeds.get(userId) === held) {
            feeds.delete(userId);
            return unsubscribe();
          }
        })
        .catch(() => undefined);
      throw new AppError('UNAVAILABLE', 'Live delivery is unavailable right now (the message bus cannot be reached). Reconnect shortly.', {
        cause: (error as Error).message,
      });
    }
    let released = false;
    return () => {
      if (released) return;
      released = true;
      held.refs -= 1;
      if (held.refs === 0 && feeds.get(userId) === held) {
        feeds.delete(userId);
        held.live.then((unsubscribe) => unsubscribe()).catch((error) => logger.warn({ err: error }, 'unsubscribe failed'));
      }
    };
  }

  /** Messages for `userId` (optionally of one conversation) committed from now on. */
  async function subscribe(userId: string, conversationId: string | null): Promise<AsyncIterableIterator<CommittedMessage>> {
    const release = await acquire(userId);
    const feed = feeds.get(userId)!;
    const listener: Listener = { conversationId, push: () => false };
    const { iterator, push } = createPushIterator<CommittedMessage>({
      maxQueue,
      overflowError: () =>
        new AppError(
          'UNAVAILABLE',
          'This subscription fell too far behind and was stopped. Subscribe again, then fetch the messages after the last seq you have.',
        ),
      onEnd: () => {
        feed.listeners.delete(listener);
        release();
      },
    });
    listener.push = push;
    feed.listeners.add(listener);
    return iterator;
  }

  return {
    acquire,
    subscribe,
    /** Live subscriptions of a user on this instance (for tests and diagnostics). */
    listenerCount: (userId: string) => feeds.get(userId)?.listeners.size ?? 0,
    get connectedUsers() {
      return feeds.size;
    },
  };
}
