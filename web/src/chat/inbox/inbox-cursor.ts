// The cursor of the last inbox event this client has applied: in memory, and in localStorage per
// user, so the position survives the socket (a reconnect resumes from it) and is visible to the
// next page load. The memory copy is the one that counts while the page lives; each tab keeps its
// own, since each tab applies events to its own store.
const key = (userId: string) => `chat.inboxCursor.${userId}`;

export type InboxCursor = { get(): string | null; set(cursor: string): void; clear(): void };

export function createInboxCursor(userId: string): InboxCursor {
  let cursor: string | null = null;
  return {
    get: () => cursor,
    set(next) {
      cursor = next;
      try {
        localStorage.setItem(key(userId), next);
      } catch {
        // Storage full or denied: the in-memory cursor still covers reconnects.
      }
    },
    clear() {
      cursor = null;
      localStorage.removeItem(key(userId));
    },
  };
}

/** The cursor a previous page load of this user left, if any. */
export function storedInboxCursor(userId: string): string | null {
  return localStorage.getItem(key(userId));
}
