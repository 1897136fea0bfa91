// The sidebar's conversation list: newest activity first, reordered live as messages arrive.
// Each entry is a button (Tab reaches the list; Up/Down move within it, Home/End to its ends).
import type { JSX } from 'preact';
import { useChatState } from '../chat-context';
import { PresenceDot } from '../presence/presence-label';
import type { ChatConversation, ChatState } from '../state/chat-state';
import { orderedConversations, unreadCount } from '../state/selectors';
import { conversationTitle, directPeerId } from './conversation-title';

function preview(state: ChatState, conversation: ChatConversation): string {
  const message = conversation.lastMessage;
  if (!message) return 'No messages yet';
  const who = message.sender.id === state.me.id ? 'You: ' : conversation.type === 'GROUP' ? `${message.sender.username}: ` : '';
  const text = message.content || (message.attachments.length ? `📎 ${message.attachments.map((a) => a.fileName).join(', ')}` : '');
  return who + text;
}

function moveFocus(event: JSX.TargetedKeyboardEvent<HTMLUListElement>) {
  const buttons = [...event.currentTarget.querySelectorAll<HTMLButtonElement>('button.conversation')];
  const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const to =
    event.key === 'ArrowDown'
      ? at + 1
      : event.key === 'ArrowUp'
        ? at - 1
        : event.key === 'Home'
          ? 0
          : event.key === 'End'
            ? buttons.length - 1
            : null;
  if (to === null || at < 0) return;
  event.preventDefault();
  buttons[Math.max(0, Math.min(buttons.length - 1, to))]?.focus();
}

export function ConversationList({ openId, onOpen }: { openId: string | null; onOpen(id: string): void }) {
  const state = useChatState((s) => s);
  if (state.syncError)
    return (
      <p role="alert" class="error">
        {state.syncError}
      </p>
    );
  if (!state.ready) return <p class="muted">Loading conversations…</p>;
  const conversations = orderedConversations(state);
  if (!conversations.length) return <p class="muted">No conversations yet.</p>;
  return (
    <ul class="conversation-list" aria-label="Conversation list" onKeyDown={moveFocus}>
      {conversations.map((conversation) => {
        const title = conversationTitle(state, conversation);
        // The open conversation is on screen and marked read as it shows (markRead follows within
        // a moment): a badge beside it would only flash.
        const unread = conversation.id === openId ? 0 : unreadCount(state, conversation);
        const peer = directPeerId(state, conversation);
        return (
          <li key={conversation.id}>
            <button
              type="button"
              class="conversation"
              data-conversation-id={conversation.id}
              aria-current={conversation.id === openId ? 'true' : undefined}
              aria-label={`${title}${unread ? `, ${unread} unread` : ''}`}
              onClick={() => onOpen(conversation.id)}
            >
              <span class="conversation-title">
                {peer && <PresenceDot userId={peer} />}
                {title}
              </span>
              <span class="conversation-preview">{preview(state, conversation)}</span>
              {unread > 0 && (
                <span class="badge" aria-hidden="true">
                  {unread}
                </span>
              )}
            </button>
          </li>
        );
      })}
    </ul>
  );
}
