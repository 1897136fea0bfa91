import { graphql } from '../../gql';

export const PresenceSubscription = graphql(`
  subscription ChatPresence($userIds: [ID!]) {
    presence(userIds: $userIds) {
      online
      lastSeenAt
      user {
        id
        username
      }
    }
  }
`);
