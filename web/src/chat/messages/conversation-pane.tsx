// An open conversation: its header (title, presence or member count, and the
// ConversationHeaderActions seam for groups), its messages, who is typing, and the composer.
// While it is open and the page visible, what arrives is marked read.
import { useEffect, useState } from 'preact/hooks';
import { useChat, useChatState } from '../chat-context';
import { conversationTitle, directPeerId } from '../conversations/conversation-title';
import { PresenceLabel } from '../presence/presence-label';
import { markRead } from '../receipts/mark-read';
import { seams } from '../seams';
import { myLastReadSeq } from '../state/selectors';
import { TypingIndicator } from '../typing/typing-indicator';
import { Composer } from './composer';
import { MessageList } from './message-list';

const MARK_READ_DELAY_MS = 300;

function usePageVisible(): boolean {
  const [visible, setVisible] = useState(document.visibilityState === 'visible');
  useEffect(() => {
    const onChange = () => setVisible(document.visibilityState === 'visible');
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  return visible;
}

export function ConversationPane({ conversationId, onBack }: { conversationId: string; onBack(): void }) {
  const { client, store } = useChat();
  const conversation = useChatState((state) => state.conversations[conversationId]!);
  const title = useChatState((state) => conversationTitle(state, conversation));
  const peer = useChatState((state) => directPeerId(state, conversation));
  const myRead = useChatState((state) => myLastReadSeq(state, conversation));
  const loaded = useChatState((state) => state.buckets[conversationId]?.loaded ?? false);
  const visible = usePageVisible();
  const Actions = seams.ConversationHeaderActions;

  // Debounced: a burst of arrivals costs one markRead (the server rate-limits it).
  useEffect(() => {
    if (!visible || !loaded || conversation.lastSeq <= myRead) return;
    const timer = setTimeout(() => void markRead(client, store, conversationId, conversation.lastSeq), MARK_READ_DELAY_MS);
    return () => clearTimeout(timer);
  }, [visible, loaded, conversation.lastSeq, myRead]);

  return (
    <section class="conversation-pane" aria-labelledby="pane-title">
      <header class="pane-header">
        <button type="button" class="back" onClick={onBack} aria-label="Back to conversations">
          ←
        </button>
        <div class="pane-heading">
          <h2 id="pane-title">{title}</h2>
          {peer ? <PresenceLabel userId={peer} /> : <span class="muted">{conversation.memberCount} members</span>}
        </div>
        <div class="pane-actions">{Actions && <Actions conversation={conversation} />}</div>
      </header>
      <MessageList conversationId={conversationId} label={`Messages with ${title}`} />
      <TypingIndicator conversationId={conversationId} />
      <Composer conversationId={conversationId} />
    </section>
  );
}
