// The conversation header's "Members" control: only groups have members to manage. It owns the
// dialog's open state, so mounting it is all a header has to do.
import type { Client } from '@urql/core';
import { useState } from 'preact/hooks';
import type { ChatConversationFieldsFragment } from '../../gql/graphql';
import { MembersDialog, type GroupView } from './members-dialog';

export function MembersButton({
  client,
  group,
  viewerId,
  onChanged,
  onLeft,
}: {
  client: Client;
  group: GroupView;
  viewerId: string;
  onChanged: (conversation: ChatConversationFieldsFragment) => void;
  onLeft: (conversationId: string) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="members-button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        Members ({group.memberCount})
      </button>
      {open && (
        <MembersDialog
          client={client}
          group={group}
          viewerId={viewerId}
          onChanged={onChanged}
          onClose={() => setOpen(false)}
          onLeft={(id) => {
            setOpen(false);
            onLeft(id);
          }}
        />
      )}
    </>
  );
}
