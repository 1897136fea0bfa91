/** What GraphiQL opens with: a path from nothing to a live inbox. */
export const GRAPHIQL_DEFAULT_QUERY = `# Register (or login), then put the access token in the Headers tab below:
#   { "Authorization": "Bearer <accessToken>" }
# and run the other operations. Subscriptions work here too (over SSE; apps use graphql-ws).
mutation Register {
  register(input: { email: "alice@example.com", username: "alice", password: "alice-password" }) {
    user { id username }
    tokens { accessToken refreshToken }
  }
}

query Me {
  me { id username email }
}

query Conversations {
  conversations(first: 20) {
    edges { node { id type title unreadCount lastMessage { seq content sender { username } } } }
  }
}

# Every change in your conversations, from now on (give after: <cursor> to resume).
subscription Inbox {
  inbox {
    __typename cursor conversationId
    ... on MessageAdded { message { seq content sender { username } } }
    ... on ReadStateChanged { userId lastReadSeq }
  }
}
`;
