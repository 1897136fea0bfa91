// The logged-in app: one connection (urql client + socket), one store, and the three syncs that
// feed the store (inbox, typing, presence), all made for this login and disposed with it.
import { Provider } from '@urql/preact';
import { useEffect, useMemo } from 'preact/hooks';
import { createConnection } from '../api/client';
import type { Session } from '../api/session';
import { ChatContext, type Chat } from '../chat-context';
import { startInboxSync } from '../inbox/inbox-sync';
import { startPresenceSync } from '../presence/presence-sync';
import { initialChatState, type ChatState } from '../state/chat-state';
import { createStore } from '../state/store';
import { startTypingSync } from '../typing/typing-sync';
import { ChatShell } from './chat-shell';

export function ChatApp({ session, me }: { session: Session; me: { id: string; username: string } }) {
  const chat = useMemo<Chat & { dispose(): void }>(() => {
    const connection = createConnection(session);
    const store = createStore<ChatState>(initialChatState(me));
    return { client: connection.client, socket: connection.socket, store, session, dispose: connection.dispose };
    // Not on `me`: every token refresh hands a new (equal) user object, and rebuilding here would
    // drop the socket and the store each time. A different user remounts ChatApp (its key).
  }, [session]);

  useEffect(() => {
    const stops = [
      startInboxSync(chat.client, chat.socket, chat.store),
      startTypingSync(chat.client, chat.store),
      startPresenceSync(chat.client, chat.store),
    ];
    return () => {
      stops.forEach((stop) => stop());
      chat.dispose();
    };
  }, [chat]);

  return (
    <Provider value={chat.client}>
      <ChatContext.Provider value={chat}>
        <ChatShell />
      </ChatContext.Provider>
    </Provider>
  );
}
