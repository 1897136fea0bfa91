// Keeps the store in step with the server through the inbox, the one resumable stream of a user.
//
// Cold start (README): take the position of now (`inbox { endCursor }`), then load the
// conversations, then subscribe from that position: whatever happens while the list loads is
// replayed, and applying it twice is harmless.
//
// Resume: graphql-ws re-sends a subscription after a reconnect with its original variables, which
// here would mean the cursor of when it started. So the inbox subscription is dropped when the
// socket closes and made again, from the cursor of the last applied event, when it is back.
import type { Client, OperationResult } from '@urql/core';
import type { ChatConversationsQuery } from '../../gql/graphql';
import { describeError, errorInfo } from '../api/errors';
import type { Socket } from '../api/socket';
import type { Store } from '../state/store';
import { upsertConversation, type ChatState } from '../state/chat-state';
import { applyInboxEvent } from './apply-inbox-event';
import { createInboxCursor } from './inbox-cursor';
import { ConversationQuery, ConversationsQuery, InboxEndQuery, InboxSubscription } from './inbox-operations';

const RETRY_MS = 3_000;
const MAX_CONVERSATION_PAGES = 40;

export function startInboxSync(client: Client, socket: Socket, store: Store<ChatState>): () => void {
  const cursor = createInboxCursor(store.get().me.id);
  let subscription: { unsubscribe(): void } | null = null;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  async function loadConversations() {
    let after: string | null = null;
    for (let page = 0; page < MAX_CONVERSATION_PAGES; page++) {
      const result: OperationResult<ChatConversationsQuery> = await client.query(ConversationsQuery, { after }).toPromise();
      if (!result.data) throw result.error ?? new Error('no conversations');
      const { edges, pageInfo } = result.data.conversations;
      store.update((state) => edges.reduce((s, edge) => upsertConversation(s, edge.node), state));
      if (!pageInfo.hasNextPage || !pageInfo.endCursor) return;
      after = pageInfo.endCursor;
    }
  }

  let started = false;
  async function coldStart() {
    unsubscribe();
    // Starting over from "now" (the server refused our cursor) skips whatever happened since the
    // last event applied: loaded histories may have holes, so they are dropped and reloaded when
    // next opened. (The first start has none.)
    if (started) store.update((state) => ({ ...state, buckets: {} }));
    started = true;
    try {
      const end = await client.query(InboxEndQuery, {}).toPromise();
      if (!end.data) throw end.error ?? new Error('no inbox');
      cursor.set(end.data.inbox.endCursor);
      await loadConversations();
      if (stopped) return;
      store.update((state) => ({ ...state, ready: true, syncError: null }));
      subscribe();
    } catch (error) {
      if (stopped) return;
      store.update((state) => ({ ...state, syncError: `Could not load your conversations (${describeError(error)}). Trying again…` }));
      retry = setTimeout(() => void coldStart(), RETRY_MS);
    }
  }

  // A message of a conversation we have not loaded (beyond the pages above): fetch it once.
  const fetching = new Set<string>();
  function ensureConversation(id: string) {
    if (store.get().conversations[id] || fetching.has(id)) return;
    fetching.add(id);
    void client
      .query(ConversationQuery, { id })
      .toPromise()
      .then((result) => {
        if (result.data?.conversation) store.update((state) => upsertConversation(state, result.data!.conversation!));
      })
      .finally(() => fetching.delete(id));
  }

  function subscribe() {
    unsubscribe();
    subscription = client.subscription(InboxSubscription, { after: cursor.get() }).subscribe((result) => {
      if (result.error) {
        // A cursor the server refuses (malformed, another user's): start over from now.
        if (errorInfo(result.error).code === 'BAD_USER_INPUT') {
          cursor.clear();
          void coldStart();
          return;
        }
        // Anything else ended the subscription: subscribe again, from the same cursor, shortly.
        unsubscribe();
        clearTimeout(retry);
        retry = setTimeout(() => {
          if (!stopped && socket.state() === 'online') subscribe();
        }, RETRY_MS);
        return;
      }
      const event = result.data?.inbox;
      if (!event) return;
      if (event.__typename === 'MessageAdded') ensureConversation(event.conversationId);
      store.update((state) => applyInboxEvent(state, event));
      cursor.set(event.cursor);
    });
  }

  function unsubscribe() {
    subscription?.unsubscribe();
    subscription = null;
  }

  const stopListening = socket.on({
    state(state) {
      store.update((s) => ({ ...s, connection: state }));
      if (state !== 'online') unsubscribe();
    },
    connected() {
      if (store.get().ready && !subscription) subscribe();
    },
  });
  store.update((s) => ({ ...s, connection: socket.state() }));
  void coldStart();

  return () => {
    stopped = true;
    clearTimeout(retry);
    stopListening();
    unsubscribe();
  };
}
