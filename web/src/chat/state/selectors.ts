// Values derived from the state, computed where they are shown rather than stored (so they can
// never disagree with what they are derived from).
import type { ChatConversation, ChatState } from './chat-state';

export function myLastReadSeq(state: ChatState, conversation: ChatConversation): number {
  return conversation.members.find((m) => m.userId === state.me.id)?.lastReadSeq ?? 0;
}

export function unreadCount(state: ChatState, conversation: ChatConversation): number {
  return Math.max(0, conversation.lastSeq - myLastReadSeq(state, conversation));
}

/** Most recent activity first; ties by id, as the server orders them. */
export function orderedConversations(state: ChatState): ChatConversation[] {
  return Object.values(state.conversations).sort((a, b) =>
    a.lastActivityAt === b.lastActivityAt ? (a.id < b.id ? 1 : -1) : a.lastActivityAt < b.lastActivityAt ? 1 : -1,
  );
}
