// Who is typing where, from the `typing` subscription. An entry lapses by itself: the server sends
// `typing: false` 6 s after the last keystroke, but that event is the first a lagging socket drops
// and a dropped socket sends nothing, so each entry also expires locally. The local deadline is
// counted from arrival (not the server's expiresAt) so that a skewed clock cannot keep it forever.
import type { Client } from '@urql/core';
import { mergeUsers, setTyping, type ChatState } from '../state/chat-state';
import type { Store } from '../state/store';
import { TypingSubscription } from './typing-operations';

const LAPSE_MS = 6_500;

export function startTypingSync(client: Client, store: Store<ChatState>): () => void {
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const subscription = client.subscription(TypingSubscription, {}).subscribe((result) => {
    const event = result.data?.typing;
    if (!event) return;
    const key = `${event.conversationId}:${event.user.id}`;
    clearTimeout(timers.get(key));
    const until = event.typing ? Date.now() + LAPSE_MS : null;
    store.update((state) => {
      // Typists are members, so normally known; if not, their name is enough (presence fills the rest).
      const known = state.users[event.user.id];
      const withUser = known ? state : mergeUsers(state, [{ ...event.user, online: false, lastSeenAt: null }]);
      return setTyping(withUser, event.conversationId, event.user.id, until);
    });
    if (until !== null) {
      timers.set(
        key,
        setTimeout(() => {
          timers.delete(key);
          store.update((state) => setTyping(state, event.conversationId, event.user.id, null));
        }, LAPSE_MS),
      );
    }
  });
  return () => {
    subscription.unsubscribe();
    timers.forEach((timer) => clearTimeout(timer));
  };
}

/**
 * setTyping(true) as keys are pressed, at most once per THROTTLE_MS (the server forwards at most
 * one per 2 s anyway, and rate-limits typing), and setTyping(false) once when the draft is sent or
 * emptied.
 */
export function createTypingNotifier(send: (typing: boolean) => void) {
  const THROTTLE_MS = 1_500;
  let lastTrue = 0;
  return {
    typed(draft: string) {
      if (!draft.trim()) return this.stopped();
      const now = Date.now();
      if (now - lastTrue < THROTTLE_MS) return;
      lastTrue = now;
      send(true);
    },
    stopped() {
      if (!lastTrue) return;
      lastTrue = 0;
      send(false);
    },
  };
}
