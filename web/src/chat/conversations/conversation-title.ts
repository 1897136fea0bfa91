// A conversation's name as shown: a group's title, or for a direct conversation the other member.
import type { ChatConversation, ChatState } from '../state/chat-state';

/** The other member of a direct conversation (yourself in a note-to-self DM). */
export function directPeerId(state: ChatState, conversation: ChatConversation): string | undefined {
  if (conversation.type !== 'DIRECT') return undefined;
  return conversation.members.find((m) => m.userId !== state.me.id)?.userId ?? state.me.id;
}

export function conversationTitle(state: ChatState, conversation: ChatConversation): string {
  if (conversation.title) return conversation.title;
  const peer = directPeerId(state, conversation);
  if (peer) return state.users[peer]?.username ?? 'Direct message';
  return 'Group';
}
