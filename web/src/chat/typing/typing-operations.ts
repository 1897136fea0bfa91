import { graphql } from '../../gql';

export const SetTypingMutation = graphql(`
  mutation ChatSetTyping($conversationId: ID!, $typing: Boolean!) {
    setTyping(conversationId: $conversationId, typing: $typing)
  }
`);

/** Every conversation of ours (also ones joined later: the server addresses typing by membership). */
export const TypingSubscription = graphql(`
  subscription ChatTyping {
    typing {
      conversationId
      typing
      expiresAt
      user {
        id
        username
      }
    }
  }
`);
