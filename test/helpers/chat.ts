// Conversations, groups, read state and the inbox, as a client app would call them.
import { collect, gql, gqlOk, registerUser, SEND, type GraphQLResponse, type TestUser } from './graphql.js';
import type { Client } from 'graphql-ws';

export const CONVERSATION_FIELDS = /* GraphQL */ `
  fragment ConversationFields on Conversation {
    id
    type
    title
    memberCount
    lastSeq
    unreadCount
    lastActivityAt
    createdAt
    lastMessage {
      id
      seq
      content
      sender {
        id
      }
    }
    members {
      role
      lastReadSeq
      joinedAt
      user {
        id
        username
        email
      }
    }
  }
`;

export const CREATE_GROUP = /* GraphQL */ `
  mutation CreateGroup($input: CreateConversationInput!) {
    createConversation(input: $input) {
      ...ConversationFields
    }
  }
  ${CONVERSATION_FIELDS}
`;

export const DIRECT = /* GraphQL */ `
  mutation Direct($userId: ID!) {
    directConversation(userId: $userId) {
      ...ConversationFields
    }
  }
  ${CONVERSATION_FIELDS}
`;

export const ADD_MEMBERS = /* GraphQL */ `
  mutation AddMembers($conversationId: ID!, $userIds: [ID!]!) {
    addMembers(conversationId: $conversationId, userIds: $userIds) {
      ...ConversationFields
    }
  }
  ${CONVERSATION_FIELDS}
`;

export const REMOVE_MEMBER = /* GraphQL */ `
  mutation RemoveMember($conversationId: ID!, $userId: ID!) {
    removeMember(conversationId: $conversationId, userId: $userId) {
      ...ConversationFields
    }
  }
  ${CONVERSATION_FIELDS}
`;

export const RENAME = /* GraphQL */ `
  mutation Rename($conversationId: ID!, $title: String!) {
    renameConversation(conversationId: $conversationId, title: $title) {
      ...ConversationFields
    }
  }
  ${CONVERSATION_FIELDS}
`;

export const SET_ROLE = /* GraphQL */ `
  mutation SetRole($conversationId: ID!, $userId: ID!, $role: MemberRole!) {
    setMemberRole(conversationId: $conversationId, userId: $userId, role: $role) {
      role
      user {
        id
      }
    }
  }
`;

export const LEAVE = /* GraphQL */ `
  mutation Leave($conversationId: ID!) {
    leaveConversation(conversationId: $conversationId)
  }
`;

export const MARK_READ = /* GraphQL */ `
  mutation MarkRead($conversationId: ID!, $seq: Int!) {
    markRead(conversationId: $conversationId, seq: $seq) {
      lastReadSeq
      user {
        id
      }
    }
  }
`;

export const CONVERSATION = /* GraphQL */ `
  query Conversation($id: ID!) {
    conversation(id: $id) {
      ...ConversationFields
    }
  }
  ${CONVERSATION_FIELDS}
`;

export const CONVERSATIONS = /* GraphQL */ `
  query Conversations($first: Int, $after: String) {
    conversations(first: $first, after: $after) {
      edges {
        cursor
        node {
          ...ConversationFields
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
        startCursor
        endCursor
      }
    }
  }
  ${CONVERSATION_FIELDS}
`;

const INBOX_EVENT_FIELDS = /* GraphQL */ `
  fragment InboxEventFields on InboxEvent {
    __typename
    cursor
    conversationId
    ... on MessageAdded {
      message {
        id
        seq
        content
        sender {
          id
        }
      }
    }
    ... on ConversationUpdated {
      change
      userIds
      conversation {
        id
        title
        memberCount
        members {
          role
          user {
            id
          }
        }
      }
    }
    ... on RemovedFromConversation {
      reason
    }
    ... on ReadStateChanged {
      userId
      lastReadSeq
    }
  }
`;

export const INBOX_PAGE = /* GraphQL */ `
  query Inbox($after: String, $first: Int) {
    inbox(after: $after, first: $first) {
      events {
        ...InboxEventFields
      }
      endCursor
      hasMore
    }
  }
  ${INBOX_EVENT_FIELDS}
`;

export const INBOX = /* GraphQL */ `
  subscription Inbox($after: String) {
    inbox(after: $after) {
      ...InboxEventFields
    }
  }
  ${INBOX_EVENT_FIELDS}
`;

export type InboxEvent = {
  __typename: 'MessageAdded' | 'ConversationUpdated' | 'RemovedFromConversation' | 'ReadStateChanged';
  cursor: string;
  conversationId: string;
  message?: { id: string; seq: number; content: string; sender: { id: string } };
  change?: string;
  userIds?: string[];
  conversation?: { id: string; title: string | null; memberCount: number; members: { role: string; user: { id: string } }[] };
  reason?: 'REMOVED' | 'LEFT';
  userId?: string;
  lastReadSeq?: number;
};

export async function createGroup(url: string, creator: TestUser, title: string, members: TestUser[]) {
  const data = await gqlOk(url, CREATE_GROUP, { input: { title, memberIds: members.map((m) => m.id) } }, creator.accessToken);
  return data.createConversation as { id: string; members: { role: string; user: { id: string } }[]; memberCount: number };
}

export async function sendTo(url: string, from: TestUser, conversationId: string, content: string) {
  const data = await gqlOk(url, SEND, { input: { conversationId, content } }, from.accessToken);
  return data.sendMessage as { id: string; seq: number; conversationId: string; content: string };
}

export const call = (url: string, user: TestUser, query: string, variables: Record<string, unknown>): Promise<GraphQLResponse> =>
  gql(url, query, variables, user.accessToken);

/** Every event of the user's inbox after `after`, all pages. */
export async function inboxAfter(
  url: string,
  user: TestUser,
  after: string,
  first = 500,
): Promise<{ events: InboxEvent[]; endCursor: string }> {
  const events: InboxEvent[] = [];
  let cursor = after;
  for (;;) {
    const page = (await gqlOk(url, INBOX_PAGE, { after: cursor, first }, user.accessToken)).inbox;
    events.push(...page.events);
    cursor = page.endCursor;
    if (!page.hasMore) return { events, endCursor: cursor };
  }
}

/** The position of now, as a cursor (inbox without after). */
export async function nowCursor(url: string, user: TestUser): Promise<string> {
  return (await gqlOk(url, INBOX_PAGE, {}, user.accessToken)).inbox.endCursor;
}

export const subscribeInbox = (client: Client, after?: string) => collect<{ inbox: InboxEvent }>(client, INBOX, after ? { after } : {});

/** One registered user per name, in order (typed as a tuple of the same length). */
export async function registerUsers<const N extends readonly string[]>(
  url: string,
  names: N,
): Promise<{ -readonly [K in keyof N]: TestUser }> {
  return (await Promise.all(names.map((name) => registerUser(url, name)))) as { -readonly [K in keyof N]: TestUser };
}
