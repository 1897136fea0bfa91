import { graphql } from '../../gql';

export const SearchUsersQuery = graphql(`
  query ChatSearchUsers($query: String!) {
    searchUsers(query: $query, first: 8) {
      ...ChatUserFields
    }
  }
`);

export const DirectConversationMutation = graphql(`
  mutation ChatDirectConversation($userId: ID!) {
    directConversation(userId: $userId) {
      ...ChatConversationFields
    }
  }
`);
