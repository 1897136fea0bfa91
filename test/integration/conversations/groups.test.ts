// Groups: created with an admin, changed by admins, left by anyone, never without an admin.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  ADD_MEMBERS,
  call,
  CONVERSATION,
  CREATE_GROUP,
  createGroup,
  DIRECT,
  LEAVE,
  REMOVE_MEMBER,
  RENAME,
  sendTo,
  SET_ROLE,
  registerUsers,
} from '../../helpers/chat.js';
import { errorCode, gql, gqlOk, SEND, type TestUser } from '../../helpers/graphql.js';
import { useTestServer } from '../../helpers/test-server.js';

const HISTORY = /* GraphQL */ `
  query History($conversationId: ID!) {
    messages(conversationId: $conversationId, first: 100) {
      edges {
        node {
          seq
          content
        }
      }
    }
  }
`;

describe('groups', () => {
  const server = useTestServer({ env: { GROUP_MAX_MEMBERS: '5' } });
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser, erin: TestUser, frank: TestUser;

  beforeAll(async () => {
    [alice, bob, carol, dave, erin, frank] = await registerUsers(server.url, ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const);
  });

  const roles = (conversation: { members: { role: string; user: { id: string } }[] }) =>
    Object.fromEntries(conversation.members.map((m) => [m.user.id, m.role]));

  describe('createConversation', () => {
    it('when alice creates a group, then she is its admin, the others members, and the creator and repeats in memberIds are ignored', async () => {
      const data = await gqlOk(
        server.url,
        CREATE_GROUP,
        { input: { title: '  Trip  ', memberIds: [bob.id, carol.id, bob.id, alice.id] } },
        alice.accessToken,
      );
      const group = data.createConversation;
      expect(group).toMatchObject({ type: 'GROUP', title: 'Trip', memberCount: 3, lastSeq: 0, unreadCount: 0, lastMessage: null });
      expect(roles(group)).toEqual({ [alice.id]: 'ADMIN', [bob.id]: 'MEMBER', [carol.id]: 'MEMBER' });
      // Members are listed longest-standing first; other users' emails are never shown.
      expect(group.members[0].user.id).toBe(alice.id);
      expect(group.members.find((m: any) => m.user.id === bob.id).user.email).toBeNull();
    });

    it('when memberIds name users that do not exist, then NOT_FOUND names them and nothing is created', async () => {
      const ghosts = [randomUUID(), randomUUID()];
      const result = await call(server.url, alice, CREATE_GROUP, { input: { title: 'Ghosts', memberIds: [bob.id, ...ghosts] } });
      expect(errorCode(result)).toBe('NOT_FOUND');
      for (const ghost of ghosts) expect(result.errors![0]!.message).toContain(ghost);
      expect(result.errors![0]!.extensions!.userIds).toEqual(ghosts);
    });

    it('when the group would exceed GROUP_MAX_MEMBERS, then BAD_USER_INPUT; at the limit it is created', async () => {
      const over = await call(server.url, alice, CREATE_GROUP, {
        input: { title: 'Big', memberIds: [bob, carol, dave, erin, frank].map((u) => u.id) },
      });
      expect(errorCode(over)).toBe('BAD_USER_INPUT');
      expect(over.errors![0]!.message).toMatch(/at most 5 members/);
      const at = await call(server.url, alice, CREATE_GROUP, {
        input: { title: 'Full', memberIds: [bob, carol, dave, erin].map((u) => u.id) },
      });
      expect(at.data?.createConversation.memberCount).toBe(5);
    });

    it('when the title is empty or too long, or an id is malformed, then BAD_USER_INPUT', async () => {
      for (const input of [
        { title: '   ', memberIds: [] },
        { title: 'x'.repeat(101), memberIds: [] },
        { title: 'ok', memberIds: ['not-an-id'] },
      ]) {
        expect(errorCode(await call(server.url, alice, CREATE_GROUP, { input }))).toBe('BAD_USER_INPUT');
      }
    });
  });

  describe('admin-only changes', () => {
    it('when an admin adds members, then they join as members, and adding them again changes nothing', async () => {
      const group = await createGroup(server.url, alice, 'Adds', [bob]);
      const once = (await gqlOk(server.url, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id, dave.id] }, alice.accessToken))
        .addMembers;
      expect(roles(once)).toEqual({ [alice.id]: 'ADMIN', [bob.id]: 'MEMBER', [carol.id]: 'MEMBER', [dave.id]: 'MEMBER' });
      const again = (
        await gqlOk(server.url, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id, dave.id, bob.id] }, alice.accessToken)
      ).addMembers;
      expect(again.memberCount).toBe(4);
      expect(again.members).toEqual(once.members);
    });

    it('when a member who is not an admin tries, then FORBIDDEN; on a direct conversation, BAD_USER_INPUT; a non-member gets FORBIDDEN', async () => {
      const group = await createGroup(server.url, alice, 'Rules', [bob]);
      const byMember = [
        await call(server.url, bob, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id] }),
        await call(server.url, bob, REMOVE_MEMBER, { conversationId: group.id, userId: alice.id }),
        await call(server.url, bob, RENAME, { conversationId: group.id, title: 'Mine' }),
        await call(server.url, bob, SET_ROLE, { conversationId: group.id, userId: bob.id, role: 'ADMIN' }),
      ];
      for (const result of byMember) {
        expect(errorCode(result)).toBe('FORBIDDEN');
        expect(result.errors![0]!.message).toMatch(/Only an admin/);
      }
      const outsider = await call(server.url, carol, RENAME, { conversationId: group.id, title: 'Mine' });
      expect(errorCode(outsider)).toBe('FORBIDDEN');
      expect(outsider.errors![0]!.message).toBe('You are not a member of this conversation.');

      const direct = (await gqlOk(server.url, DIRECT, { userId: bob.id }, alice.accessToken)).directConversation;
      for (const result of [
        await call(server.url, alice, ADD_MEMBERS, { conversationId: direct.id, userIds: [carol.id] }),
        await call(server.url, alice, RENAME, { conversationId: direct.id, title: 'Us' }),
        await call(server.url, alice, LEAVE, { conversationId: direct.id }),
        await call(server.url, alice, SET_ROLE, { conversationId: direct.id, userId: bob.id, role: 'ADMIN' }),
      ]) {
        expect(errorCode(result)).toBe('BAD_USER_INPUT');
      }
      expect(errorCode(await call(server.url, alice, RENAME, { conversationId: randomUUID(), title: 'x' }))).toBe('NOT_FOUND');
    });

    it('when an admin renames the group and promotes a member, then everyone sees the new title and the new admin', async () => {
      const group = await createGroup(server.url, alice, 'Old', [bob]);
      const renamed = (await gqlOk(server.url, RENAME, { conversationId: group.id, title: 'New' }, alice.accessToken)).renameConversation;
      expect(renamed.title).toBe('New');
      const promoted = (await gqlOk(server.url, SET_ROLE, { conversationId: group.id, userId: bob.id, role: 'ADMIN' }, alice.accessToken))
        .setMemberRole;
      expect(promoted).toEqual({ role: 'ADMIN', user: { id: bob.id } });
      const seenByBob = (await gqlOk(server.url, CONVERSATION, { id: group.id }, bob.accessToken)).conversation;
      expect(seenByBob.title).toBe('New');
      expect(roles(seenByBob)).toEqual({ [alice.id]: 'ADMIN', [bob.id]: 'ADMIN' });
    });
  });

  describe('a group always has an admin', () => {
    it('when the last admin leaves, then the longest-standing member becomes admin', async () => {
      const group = await createGroup(server.url, alice, 'Succession', [bob]);
      await gqlOk(server.url, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id] }, alice.accessToken);
      expect((await gqlOk(server.url, LEAVE, { conversationId: group.id }, alice.accessToken)).leaveConversation).toBe(true);
      const after = (await gqlOk(server.url, CONVERSATION, { id: group.id }, carol.accessToken)).conversation;
      expect(roles(after)).toEqual({ [bob.id]: 'ADMIN', [carol.id]: 'MEMBER' });
      expect(after.memberCount).toBe(2);
    });

    it('when the last admin demotes themself, then the longest-standing other member becomes admin; alone, they stay admin', async () => {
      const group = await createGroup(server.url, alice, 'Demotion', [bob]);
      await gqlOk(server.url, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id] }, alice.accessToken);
      await gqlOk(server.url, SET_ROLE, { conversationId: group.id, userId: alice.id, role: 'MEMBER' }, alice.accessToken);
      const after = (await gqlOk(server.url, CONVERSATION, { id: group.id }, alice.accessToken)).conversation;
      expect(roles(after)).toEqual({ [alice.id]: 'MEMBER', [bob.id]: 'ADMIN', [carol.id]: 'MEMBER' });

      const alone = await createGroup(server.url, dave, 'Alone', []);
      const refused = await call(server.url, dave, SET_ROLE, { conversationId: alone.id, userId: dave.id, role: 'MEMBER' });
      expect(errorCode(refused)).toBe('BAD_USER_INPUT');
    });

    it('when members joined together, then the earliest by user id counts as longest-standing', async () => {
      const group = await createGroup(server.url, alice, 'Together', [bob, carol]);
      await gqlOk(server.url, LEAVE, { conversationId: group.id }, alice.accessToken);
      const [first, second] = [bob, carol].sort((a, b) => a.id.localeCompare(b.id));
      const after = (await gqlOk(server.url, CONVERSATION, { id: group.id }, bob.accessToken)).conversation;
      expect(roles(after)).toEqual({ [first!.id]: 'ADMIN', [second!.id]: 'MEMBER' });
    });

    it('when an admin removes the only other admin and then leaves, then the remaining member is admin', async () => {
      const group = await createGroup(server.url, alice, 'Chain', [bob, carol]);
      await gqlOk(server.url, SET_ROLE, { conversationId: group.id, userId: bob.id, role: 'ADMIN' }, alice.accessToken);
      await gqlOk(server.url, REMOVE_MEMBER, { conversationId: group.id, userId: bob.id }, alice.accessToken);
      await gqlOk(server.url, LEAVE, { conversationId: group.id }, alice.accessToken);
      const after = (await gqlOk(server.url, CONVERSATION, { id: group.id }, carol.accessToken)).conversation;
      expect(roles(after)).toEqual({ [carol.id]: 'ADMIN' });
    });
  });

  describe('history and access', () => {
    it('when a member is added later, then they read the whole history; once removed, they get the non-member error for reads, sends and the conversation', async () => {
      const group = await createGroup(server.url, alice, 'History', [bob]);
      for (let i = 1; i <= 3; i++) await sendTo(server.url, alice, group.id, `before ${i}`);
      await gqlOk(server.url, ADD_MEMBERS, { conversationId: group.id, userIds: [carol.id] }, alice.accessToken);
      const seen = await gqlOk(server.url, HISTORY, { conversationId: group.id }, carol.accessToken);
      expect(seen.messages.edges.map((e: any) => e.node.content)).toEqual(['before 1', 'before 2', 'before 3']);
      // carol can send (and her send-access is now cached on this instance)
      await sendTo(server.url, carol, group.id, 'hello from carol');

      await gqlOk(server.url, REMOVE_MEMBER, { conversationId: group.id, userId: carol.id }, alice.accessToken);
      const nonMember = await gql(server.url, HISTORY, { conversationId: group.id }, dave.accessToken);
      const reads = await gql(server.url, HISTORY, { conversationId: group.id }, carol.accessToken);
      const send = await gql(server.url, SEND, { input: { conversationId: group.id, content: 'still here?' } }, carol.accessToken);
      const conversation = await gql(server.url, CONVERSATION, { id: group.id }, carol.accessToken);
      for (const result of [reads, send, conversation]) {
        expect(errorCode(result)).toBe('FORBIDDEN');
        expect(result.errors![0]!.message).toBe(nonMember.errors![0]!.message);
      }
      const members = (await gqlOk(server.url, CONVERSATION, { id: group.id }, alice.accessToken)).conversation;
      expect(members.memberCount).toBe(2);
      expect(members.lastMessage.content).toBe('hello from carol');
    });
  });
});
