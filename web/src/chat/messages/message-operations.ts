import { graphql } from '../../gql';

/** The newest page (no `before`) or the page before a cursor: oldest first either way. */
export const MessagesQuery = graphql(`
  query ChatMessages($conversationId: ID!, $before: String, $last: Int!) {
    messages(conversationId: $conversationId, last: $last, before: $before) {
      edges {
        node {
          ...ChatMessageFields
        }
      }
      pageInfo {
        hasPreviousPage
        startCursor
      }
    }
  }
`);

export const SendMessageMutation = graphql(`
  mutation ChatSendMessage($input: SendMessageInput!) {
    sendMessage(input: $input) {
      ...ChatMessageFields
    }
  }
`);
