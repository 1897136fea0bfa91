// The shapes the client keeps, shared by queries, mutations and inbox events so that a live event,
// a history row and a mutation's answer land in the store as the same object (the server gives
// the same `Message` everywhere). Other features (groups, files) should select these fragments
// too rather than a narrower set, or the store would hold objects with missing fields.
import { graphql } from '../../gql';

export const ChatUserFields = graphql(`
  fragment ChatUserFields on User {
    id
    username
    online
    lastSeenAt
  }
`);

export const ChatAttachmentFields = graphql(`
  fragment ChatAttachmentFields on Attachment {
    id
    fileName
    contentType
    size
    width
    height
    url
  }
`);

export const ChatMessageFields = graphql(`
  fragment ChatMessageFields on Message {
    id
    conversationId
    seq
    content
    createdAt
    clientMessageId
    sender {
      id
      username
    }
    attachments {
      ...ChatAttachmentFields
    }
  }
`);

export const ChatConversationFields = graphql(`
  fragment ChatConversationFields on Conversation {
    id
    type
    title
    lastSeq
    lastActivityAt
    memberCount
    lastMessage {
      ...ChatMessageFields
    }
    members {
      role
      lastReadSeq
      user {
        ...ChatUserFields
      }
    }
  }
`);
