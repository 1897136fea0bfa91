// Sending with a clientMessageId made here: the message shows at once as pending, then as sent
// when the server answers (or the inbox delivers it first, whichever comes first), or as failed
// with a Retry that sends the same clientMessageId again: the server returns the original message
// instead of storing a second copy, so a retry after a lost answer cannot duplicate it.
import type { Client } from '@urql/core';
import { describeError } from '../api/errors';
import { addMessages, setOutgoing, type ChatState, type OutgoingMessage } from '../state/chat-state';
import type { Store } from '../state/store';
import { newClientMessageId } from './client-message-id';
import { SendMessageMutation } from './message-operations';

export type Draft = { conversationId: string; content: string; attachmentIds?: string[] };

export async function sendMessage(client: Client, store: Store<ChatState>, draft: Draft, clientMessageId: string = newClientMessageId()) {
  const outgoing: OutgoingMessage = {
    clientMessageId,
    conversationId: draft.conversationId,
    content: draft.content,
    attachmentIds: draft.attachmentIds ?? [],
    status: 'pending',
    createdAt: new Date().toISOString(),
  };
  store.update((state) => setOutgoing(state, outgoing));
  const result = await client
    .mutation(SendMessageMutation, {
      input: {
        conversationId: draft.conversationId,
        content: draft.content,
        clientMessageId,
        ...(outgoing.attachmentIds.length ? { attachmentIds: outgoing.attachmentIds } : {}),
      },
    })
    .toPromise();
  const sent = result.data?.sendMessage;
  if (sent) store.update((state) => addMessages(state, draft.conversationId, [sent], { live: true }));
  else store.update((state) => setOutgoing(state, { ...outgoing, status: 'failed', error: describeError(result.error) }));
}

export function retryMessage(client: Client, store: Store<ChatState>, message: OutgoingMessage) {
  return sendMessage(
    client,
    store,
    { conversationId: message.conversationId, content: message.content, attachmentIds: message.attachmentIds },
    message.clientMessageId,
  );
}
