// One inbox event applied to the store. Idempotent (see state/chat-state): a replay after a
// reconnect, or an event that overlaps a page already loaded, changes nothing twice.
import type { ChatInboxSubscription } from '../../gql/graphql';
import { addMessages, removeConversation, setReadState, upsertConversation, type ChatState } from '../state/chat-state';

export type InboxEvent = ChatInboxSubscription['inbox'];

export function applyInboxEvent(state: ChatState, event: InboxEvent): ChatState {
  switch (event.__typename) {
    case 'MessageAdded':
      return addMessages(state, event.conversationId, [event.message], { live: true });
    case 'ConversationUpdated':
      return upsertConversation(state, event.conversation);
    case 'RemovedFromConversation':
      return removeConversation(state, event.conversationId);
    case 'ReadStateChanged':
      return setReadState(state, event.conversationId, event.userId, event.lastReadSeq);
    default:
      return state;
  }
}
