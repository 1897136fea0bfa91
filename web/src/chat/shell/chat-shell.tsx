// The page once logged in: a top bar (who, connection, log out), the sidebar (new conversation,
// conversation list) and the conversation pane. On a narrow screen only one of sidebar and pane
// shows: the pane when a conversation is open (its Back button returns to the list).
import { useEffect } from 'preact/hooks';
import { useChat, useChatState } from '../chat-context';
import { ConversationList } from '../conversations/conversation-list';
import { NewDirectForm } from '../conversations/new-direct-form';
import { ConversationPane } from '../messages/conversation-pane';
import { seams } from '../seams';
import { unreadCount } from '../state/selectors';
import { ConnectionStatus } from './connection-status';
import { useOpenConversation } from './use-route';

export function ChatShell() {
  const { session } = useChat();
  const me = useChatState((state) => state.me);
  const [openId, open] = useOpenConversation();
  const exists = useChatState((state) => (openId ? !!state.conversations[openId] : false));
  const ready = useChatState((state) => state.ready);
  const current = exists ? openId : null;
  const SidebarActions = seams.SidebarActions;
  const unread = useChatState((state) => Object.values(state.conversations).reduce((sum, c) => sum + unreadCount(state, c), 0));

  // The tab's title counts unread messages, so a background tab shows that something arrived.
  useEffect(() => {
    document.title = unread ? `(${unread}) Chat` : 'Chat';
    return () => {
      document.title = 'Chat';
    };
  }, [unread]);

  return (
    <div class={`shell ${current ? 'shell-open' : ''}`}>
      <header class="topbar">
        <h1 class="brand">Chat</h1>
        <ConnectionStatus />
        <p class="whoami">
          Signed in as <strong>{me.username}</strong>
        </p>
        <button type="button" onClick={() => void session.signOut()}>
          Log out
        </button>
      </header>
      <nav class="sidebar" aria-label="Conversations">
        <NewDirectForm onOpened={open} />
        {SidebarActions && <SidebarActions openConversation={open} />}
        <ConversationList openId={current} onOpen={open} />
      </nav>
      <main class="pane" aria-label="Conversation">
        {current ? (
          <ConversationPane
            key={current}
            conversationId={current}
            onBack={() => {
              open(null);
              // Back on the list (the only column on a narrow screen): focus where we came from.
              requestAnimationFrame(() => document.querySelector<HTMLElement>(`[data-conversation-id="${current}"]`)?.focus());
            }}
          />
        ) : (
          <p class="pane-empty">{ready ? 'Pick a conversation, or start one by username.' : 'Loading…'}</p>
        )}
      </main>
    </div>
  );
}
