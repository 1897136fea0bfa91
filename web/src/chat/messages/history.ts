// History pages: the newest page when a conversation opens, older ones as the list scrolls up.
import type { Client } from '@urql/core';
import { addHistoryPage, type ChatState } from '../state/chat-state';
import type { Store } from '../state/store';
import { MessagesQuery } from './message-operations';

export const PAGE_SIZE = 30;

/** Resolves false when the page could not be loaded (the caller may try again). */
export async function loadHistory(client: Client, store: Store<ChatState>, conversationId: string, which: 'newest' | 'older') {
  const bucket = store.get().buckets[conversationId];
  const before = which === 'older' ? bucket?.olderCursor : null;
  if (which === 'older' && !before) return false;
  const result = await client.query(MessagesQuery, { conversationId, before, last: PAGE_SIZE }).toPromise();
  if (!result.data) return false;
  const { edges, pageInfo } = result.data.messages;
  store.update((state) =>
    addHistoryPage(
      state,
      conversationId,
      { messages: edges.map((edge) => edge.node), startCursor: pageInfo.startCursor ?? null, hasPreviousPage: pageInfo.hasPreviousPage },
      which,
    ),
  );
  return true;
}
