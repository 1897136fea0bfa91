// Groups in the chat shell (its seams, ../seams.tsx): "New group" and a note of groups the viewer
// is no longer in, in the sidebar; "Members" in a group's header. The chat store is the source of
// truth: mutation answers go into it as the inbox would put them, and the members shown are the
// store's, which follows ConversationUpdated and RemovedFromConversation events live.
import type { ChatConversationFieldsFragment } from '../../gql/graphql';
import { useChat, useChatState } from '../chat-context';
import { removeConversation, upsertConversation, type ChatConversation } from '../state/chat-state';
import { MembersButton } from './members-button';
import type { GroupView } from './members-dialog';
import { NewGroupButton } from './new-group-button';
import { RemovalNotice } from './removal-notice';

export function GroupSidebarActions({ openConversation }: { openConversation(id: string): void }) {
  const { client, store } = useChat();
  const me = useChatState((state) => state.me);
  return (
    <>
      <NewGroupButton
        client={client}
        viewerId={me.id}
        onCreated={(group) => {
          store.update((state) => upsertConversation(state, group));
          openConversation(group.id);
        }}
      />
      <RemovalNotice />
    </>
  );
}

export function GroupHeaderActions({ conversation }: { conversation: ChatConversation }) {
  const { client, store } = useChat();
  const me = useChatState((state) => state.me);
  const users = useChatState((state) => state.users);
  if (conversation.type !== 'GROUP') return null;
  const group: GroupView = {
    id: conversation.id,
    title: conversation.title,
    memberCount: conversation.memberCount,
    members: conversation.members.map((member) => ({
      userId: member.userId,
      role: member.role,
      username: users[member.userId]?.username ?? 'someone',
    })),
  };
  return (
    <MembersButton
      client={client}
      group={group}
      viewerId={me.id}
      onChanged={(answer: ChatConversationFieldsFragment) => store.update((state) => upsertConversation(state, answer))}
      // The RemovedFromConversation event will say the same; the pane closes now rather than then.
      onLeft={(id) => store.update((state) => removeConversation(state, id))}
    />
  );
}
