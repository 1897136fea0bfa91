/** Takes a user's live events: an object (typically the subscription's own), so that no closure is kept for it. */
export type FeedListener<E> = { onEvent(event: E): void };
/**
 * Listeners in an array replaced on every change (copy on write): a user has a few, a dispatch
 * iterating one is unaffected by a listener removed meanwhile, and an array of two costs a
 * fraction of a Set.
 */
type Feed<E> = { sockets: number; listeners: readonly FeedListener<E>[] };

export type UserFeeds<E> = ReturnType<typeof createUserFeeds<E>>;

/**
 * Per instance, the live events of each user who is here: one entry per user, shared by all of that
 * user's sockets and subscriptions on this instance. Every kind of live event reaches a user through
 * dispatch(); each subscription's listener keeps the kinds it wants. An event object is shared by
 * every listener it reaches: nothing is decoded or copied per subscriber.
 */
export function createUserFeeds<E>() {
  const feeds = new Map<string, Feed<E>>();

  const feedOf = (userId: string): Feed<E> => {
    let feed = feeds.get(userId);
    if (!feed) feeds.set(userId, (feed = { sockets: 0, listeners: [] }));
    return feed;
  };
  const releaseIfUnused = (userId: string, feed: Feed<E>) => {
    if (feed.sockets === 0 && feed.listeners.length === 0 && feeds.get(userId) === feed) feeds.delete(userId);
  };

  return {
    /** A socket of the user is connected here; release when it closes (once per acquire). */
    acquire(userId: string): void {
      feedOf(userId).sockets += 1;
    },

    release(userId: string): void {
      const feed = feeds.get(userId);
      if (!feed) return;
      feed.sockets -= 1;
      releaseIfUnused(userId, feed);
    },

    /** Adds a listener for the user's events from now on, until unlisten. */
    listen(userId: string, listener: FeedListener<E>): void {
      const feed = feedOf(userId);
      feed.listeners = [...feed.listeners, listener];
    },

    unlisten(userId: string, listener: FeedListener<E>): void {
      const feed = feeds.get(userId);
      if (!feed) return;
      feed.listeners = feed.listeners.filter((kept) => kept !== listener);
      releaseIfUnused(userId, feed);
    },

    /** Hands the event to each of the user's listeners here; false when the user has none. */
    dispatch(userId: string, event: E): boolean {
      const feed = feeds.get(userId);
      if (!feed || feed.listeners.length === 0) return false;
      for (const listener of feed.listeners) listener.onEvent(event);
      return true;
    },

    /** Users with at least one listener here. */
    listeningUsers(): string[] {
      return [...feeds].filter(([, feed]) => feed.listeners.length > 0).map(([userId]) => userId);
    },

    /** Live subscriptions of a user on this instance (for tests and diagnostics). */
    listenerCount: (userId: string) => feeds.get(userId)?.listeners.length ?? 0,

    /** Users with a socket or a subscription here. */
    get connectedUsers() {
      return feeds.size;
    },
  };
}
