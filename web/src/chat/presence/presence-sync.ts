// Online state of everyone we share a conversation with. The ids are passed explicitly and the
// subscription is made again when that set changes (a new DM, a new group member): the server's
// default list ("everyone you share a conversation with") is fixed when the subscription starts.
// Each (re)subscription first sends every watched user's current state, so a reconnect needs
// nothing more.
import type { Client } from '@urql/core';
import { mergeUsers, type ChatState } from '../state/chat-state';
import type { Store } from '../state/store';
import { PresenceSubscription } from './presence-operations';

function watchedIds(state: ChatState): string {
  const ids = new Set<string>();
  for (const conversation of Object.values(state.conversations))
    for (const member of conversation.members) if (member.userId !== state.me.id) ids.add(member.userId);
  return [...ids].sort().join(',');
}

export function startPresenceSync(client: Client, store: Store<ChatState>): () => void {
  let watching = '';
  let subscription: { unsubscribe(): void } | null = null;

  const resubscribe = () => {
    const ids = watchedIds(store.get());
    if (ids === watching) return;
    watching = ids;
    subscription?.unsubscribe();
    subscription = null;
    if (!ids) return;
    subscription = client.subscription(PresenceSubscription, { userIds: ids.split(',') }).subscribe((result) => {
      const event = result.data?.presence;
      if (!event) return;
      store.update((state) => mergeUsers(state, [{ ...event.user, online: event.online, lastSeenAt: event.lastSeenAt ?? null }]));
    });
  };

  const stop = store.subscribe(resubscribe);
  resubscribe();
  return () => {
    stop();
    subscription?.unsubscribe();
  };
}
