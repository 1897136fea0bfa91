import { graphql } from '../../gql';

/** The position of now: a cold start subscribes from here after loading the conversations. */
export const InboxEndQuery = graphql(`
  query ChatInboxEnd {
    inbox {
      endCursor
    }
  }
`);

/** 50 a page: a page of 100 with members and last messages passes graphql-armor's cost limit. */
export const ConversationsQuery = graphql(`
  query ChatConversations($after: String) {
    conversations(first: 50, after: $after) {
      edges {
        node {
          ...ChatConversationFields
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ConversationQuery = graphql(`
  query ChatConversation($id: ID!) {
    conversation(id: $id) {
      ...ChatConversationFields
    }
  }
`);

export const InboxSubscription = graphql(`
  subscription ChatInbox($after: String) {
    inbox(after: $after) {
      __typename
      cursor
      conversationId
      ... on MessageAdded {
        message {
          ...ChatMessageFields
        }
      }
      ... on ConversationUpdated {
        change
        conversation {
          ...ChatConversationFields
        }
      }
      ... on ReadStateChanged {
        userId
        lastReadSeq
      }
    }
  }
`);
