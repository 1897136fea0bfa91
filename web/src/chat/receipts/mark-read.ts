// markRead for what the user has seen: called when an open conversation is visible and its newest
// seq is past our read state. The server clamps and never moves back, so a late or repeated call is
// harmless; we still skip calls that would change nothing (markRead is rate-limited).
import type { Client } from '@urql/core';
import { setReadState, type ChatState } from '../state/chat-state';
import type { Store } from '../state/store';
import { MarkReadMutation } from './receipt-operations';

export async function markRead(client: Client, store: Store<ChatState>, conversationId: string, seq: number) {
  const result = await client.mutation(MarkReadMutation, { conversationId, seq }).toPromise();
  const lastReadSeq = result.data?.markRead.lastReadSeq;
  if (lastReadSeq !== undefined) store.update((state) => setReadState(state, conversationId, state.me.id, lastReadSeq));
}
