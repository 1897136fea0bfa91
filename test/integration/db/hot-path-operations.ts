// THE list of hot-path operations: whatever a user does often, or whatever runs per message. Each is
// run against a database holding a large seeded history, every SQL statement it causes (Prisma's, the
// worker's raw SQL, anything added later) is captured on the wire, and each plan must use an index
// (hot-path-plans.test.ts). A feature that adds a query a user runs often adds its operation here.
// HOT_PATH_DEBUG=1 prints the statements each operation caused.
import { randomUUID } from 'node:crypto';
import { png, uploadFile } from '../../helpers/files.js';
import { collect, connectWs, gqlOk, MESSAGE_RECEIVED, registerUser, SEND, type TestUser } from '../../helpers/graphql.js';
import {
  ADD_MEMBERS,
  CONVERSATION,
  CONVERSATIONS,
  CREATE_GROUP,
  DIRECT,
  INBOX_PAGE,
  MARK_READ,
  subscribeInbox,
} from '../../helpers/chat.js';

export type HotPathContext = {
  url: string;
  wsUrl: string;
  /** Registered before capture starts; alice is also a member of `seededConversationId`. */
  alice: TestUser;
  bob: TestUser;
  /** A seeded conversation with stored history that alice was added to. */
  seededConversationId: string;
  /** The server's periodic jobs (expired refresh tokens...), run now. */
  runMaintenance(): Promise<void>;
  /** Filled in by the operations as they go (the DM of alice and bob, once the first send made it). */
  state: { directConversationId?: string; refreshToken?: string; groupId?: string; inboxCursor?: string };
};

export type HotPathOperation = { name: string; run(context: HotPathContext): Promise<void> };

const LOGIN = /* GraphQL */ `
  mutation Login($input: LoginInput!) {
    login(input: $input) {
      tokens {
        refreshToken
      }
    }
  }
`;
const REFRESH = /* GraphQL */ `
  mutation Refresh($refreshToken: String!) {
    refresh(refreshToken: $refreshToken) {
      tokens {
        refreshToken
      }
    }
  }
`;
const LOGOUT = /* GraphQL */ `
  mutation Logout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`;
const ME = /* GraphQL */ `
  query Me {
    me {
      id
      username
      email
    }
  }
`;
const HISTORY = /* GraphQL */ `
  query History($conversationId: ID!, $first: Int, $after: String, $last: Int, $before: String, $afterSeq: Int) {
    messages(conversationId: $conversationId, first: $first, after: $after, last: $last, before: $before, afterSeq: $afterSeq) {
      edges {
        cursor
        node {
          id
          seq
          content
          sender {
            id
            username
          }
        }
      }
      pageInfo {
        hasNextPage
        hasPreviousPage
      }
    }
  }
`;

const send = (context: HotPathContext, from: TestUser, input: Record<string, unknown>) =>
  gqlOk(context.url, SEND, { input }, from.accessToken).then((data) => data.sendMessage as { conversationId: string; seq: number });

export const HOT_PATH_OPERATIONS: HotPathOperation[] = [
  { name: 'register', run: (c) => registerUser(c.url, 'hot').then(() => undefined) },
  {
    name: 'login',
    run: async (c) => {
      const data = await gqlOk(c.url, LOGIN, { input: { email: c.alice.email, password: c.alice.password } });
      c.state.refreshToken = data.login.tokens.refreshToken;
    },
  },
  {
    name: 'refresh',
    run: async (c) => {
      const data = await gqlOk(c.url, REFRESH, { refreshToken: c.state.refreshToken });
      c.state.refreshToken = data.refresh.tokens.refreshToken;
    },
  },
  { name: 'logout', run: (c) => gqlOk(c.url, LOGOUT, { refreshToken: c.state.refreshToken }).then(() => undefined) },
  { name: 'me', run: (c) => gqlOk(c.url, ME, {}, c.alice.accessToken).then(() => undefined) },
  {
    name: 'sendMessage: first direct message (creates the conversation)',
    run: async (c) => {
      c.state.directConversationId = (await send(c, c.alice, { recipientId: c.bob.id, content: 'hello' })).conversationId;
    },
  },
  {
    name: 'sendMessage: by conversationId, with a clientMessageId (worker commit)',
    run: (c) =>
      send(c, c.bob, { conversationId: c.state.directConversationId, content: 'hi', clientMessageId: randomUUID() }).then(() => undefined),
  },
  {
    name: 'sendMessage: a retry with the same clientMessageId (answered from the stored message)',
    run: async (c) => {
      const input = { conversationId: c.seededConversationId, content: 'once', clientMessageId: randomUUID() };
      await send(c, c.alice, input);
      await send(c, c.alice, input);
    },
  },
  {
    name: 'messageReceived(conversationId) and its delivery',
    run: async (c) => {
      const socket = await connectWs(c.wsUrl, c.bob.accessToken);
      try {
        const events = collect(socket, MESSAGE_RECEIVED, { conversationId: c.state.directConversationId });
        // Subscribed once an event arrives: send until one does.
        for (let i = 0; events.events.length === 0 && i < 20; i++) {
          await send(c, c.alice, { conversationId: c.state.directConversationId, content: `live ${i}` });
          await events.until(1, 500).catch(() => undefined);
        }
        await events.until(1);
        events.dispose();
      } finally {
        await socket.dispose();
      }
    },
  },
  {
    name: 'messages: history pages (newest, older, newer, afterSeq)',
    run: async (c) => {
      const page = (args: Record<string, unknown>) =>
        gqlOk(c.url, HISTORY, { conversationId: c.seededConversationId, ...args }, c.alice.accessToken).then((d) => d.messages);
      const newest = await page({ last: 20 });
      const older = await page({ last: 20, before: newest.edges[0].cursor });
      await page({ first: 20, after: older.edges[older.edges.length - 1].cursor });
      await page({ afterSeq: 5, first: 50 });
    },
  },
  {
    name: 'inbox: the position of now',
    run: async (c) => {
      c.state.inboxCursor = (await gqlOk(c.url, INBOX_PAGE, {}, c.alice.accessToken)).inbox.endCursor;
    },
  },
  {
    name: 'createConversation and addMembers',
    run: async (c) => {
      const created = await gqlOk(c.url, CREATE_GROUP, { input: { title: 'Hot', memberIds: [c.bob.id] } }, c.alice.accessToken);
      c.state.groupId = created.createConversation.id;
      const extra = await registerUser(c.url, 'extra');
      await gqlOk(c.url, ADD_MEMBERS, { conversationId: c.state.groupId, userIds: [extra.id] }, c.alice.accessToken);
    },
  },
  { name: 'directConversation', run: (c) => gqlOk(c.url, DIRECT, { userId: c.bob.id }, c.alice.accessToken).then(() => undefined) },
  {
    name: 'conversations: first page and the next',
    run: async (c) => {
      const first = (await gqlOk(c.url, CONVERSATIONS, { first: 2 }, c.alice.accessToken)).conversations;
      await gqlOk(c.url, CONVERSATIONS, { first: 2, after: first.pageInfo.endCursor }, c.alice.accessToken);
    },
  },
  {
    name: 'conversation(id)',
    run: (c) => gqlOk(c.url, CONVERSATION, { id: c.seededConversationId }, c.alice.accessToken).then(() => undefined),
  },
  {
    name: 'markRead',
    run: (c) => gqlOk(c.url, MARK_READ, { conversationId: c.seededConversationId, seq: 5 }, c.alice.accessToken).then(() => undefined),
  },
  {
    name: 'inbox: a page after a cursor',
    run: (c) => gqlOk(c.url, INBOX_PAGE, { after: c.state.inboxCursor, first: 100 }, c.alice.accessToken).then(() => undefined),
  },
  {
    name: 'inbox subscription: replay, then live',
    run: async (c) => {
      const socket = await connectWs(c.wsUrl, c.alice.accessToken);
      try {
        const inbox = subscribeInbox(socket, c.state.inboxCursor);
        await inbox.until(1);
        inbox.dispose();
      } finally {
        await socket.dispose();
      }
    },
  },
  {
    name: 'userByUsername and searchUsers',
    run: (c) =>
      gqlOk(
        c.url,
        `query ($u: String!, $q: String!) { userByUsername(username: $u) { id } searchUsers(query: $q, first: 10) { id username } }`,
        { u: c.bob.username, q: c.bob.username.slice(0, 4) },
        c.alice.accessToken,
      ).then(() => undefined),
  },
  {
    name: 'createUpload, PUT, and a message with attachments',
    run: async (c) => {
      const file = await uploadFile(c.url, c.alice, c.seededConversationId, {
        fileName: 'hot.png',
        contentType: 'image/png',
        bytes: png(2, 2),
      });
      await gqlOk(
        c.url,
        `mutation ($i: SendMessageInput!) { sendMessage(input: $i) { id attachments { url } } }`,
        { i: { conversationId: c.seededConversationId, content: 'file', attachmentIds: [file.id] } },
        c.alice.accessToken,
      );
    },
  },
  {
    name: 'setTyping',
    run: (c) =>
      gqlOk(
        c.url,
        `mutation ($c: ID!) { setTyping(conversationId: $c, typing: true) }`,
        { c: c.seededConversationId },
        c.alice.accessToken,
      ).then(() => undefined),
  },
  // Not a user's operation, but it runs on every instance, against the whole table.
  { name: 'periodic jobs (expired refresh token deletion)', run: (c) => c.runMaintenance() },
];
