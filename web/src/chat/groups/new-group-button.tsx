// "New group", for the conversation list: opens the create dialog and hands the created group to
// the owner (to add it to the list and open it).
import type { Client } from '@urql/core';
import { useState } from 'preact/hooks';
import type { ChatConversationFieldsFragment } from '../../gql/graphql';
import { CreateGroupDialog } from './create-group-dialog';

export function NewGroupButton({
  client,
  viewerId,
  onCreated,
}: {
  client: Client;
  viewerId: string;
  onCreated: (group: ChatConversationFieldsFragment) => void;
}) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" class="new-group-button" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        New group
      </button>
      {open && (
        <CreateGroupDialog
          client={client}
          viewerId={viewerId}
          onClose={() => setOpen(false)}
          onCreated={(group) => {
            setOpen(false);
            onCreated(group);
          }}
        />
      )}
    </>
  );
}
