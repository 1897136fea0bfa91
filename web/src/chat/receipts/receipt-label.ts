// Receipts from members' lastReadSeq (kept current by ReadStateChanged events): under our newest
// sent message, "Seen" in a direct conversation, "Read by N" / "Seen by everyone" in a group.
import type { ChatConversation, ChatState } from '../state/chat-state';

export function receiptLabel(state: ChatState, conversation: ChatConversation, seq: number): string {
  const others = conversation.members.filter((m) => m.userId !== state.me.id);
  const readers = others.filter((m) => m.lastReadSeq >= seq).length;
  if (!readers) return 'Sent';
  if (conversation.type === 'DIRECT') return 'Seen';
  return readers === others.length ? 'Seen by everyone' : `Read by ${readers}`;
}
