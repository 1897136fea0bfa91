import { graphql } from '../../gql';

export const MarkReadMutation = graphql(`
  mutation ChatMarkRead($conversationId: ID!, $seq: Int!) {
    markRead(conversationId: $conversationId, seq: $seq) {
      lastReadSeq
    }
  }
`);
