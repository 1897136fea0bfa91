// "New group": a title and the people to add, then createConversation (the viewer becomes its
// admin). The answer is the group as stored, handed to the owner to open it.
import type { Client } from '@urql/core';
import { useId, useMemo, useState } from 'preact/hooks';
import type { ChatConversationFieldsFragment } from '../../gql/graphql';
import { errorText } from './error-text';
import { CreateGroupMutation } from './group-operations';
import { ModalDialog } from './modal-dialog';
import { UserPicker, type PickedUser } from './user-picker';

export function CreateGroupDialog({
  client,
  viewerId,
  onCreated,
  onClose,
}: {
  client: Client;
  viewerId: string;
  onCreated: (group: ChatConversationFieldsFragment) => void;
  onClose: () => void;
}) {
  const titleId = useId();
  const [title, setTitle] = useState('');
  const [picked, setPicked] = useState<PickedUser[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const exclude = useMemo(() => new Set([viewerId]), [viewerId]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!title.trim()) return setError('Give the group a name.');
    setBusy(true);
    setError('');
    const result = await client
      .mutation(CreateGroupMutation, { input: { title: title.trim(), memberIds: picked.map((user) => user.id) } })
      .toPromise();
    setBusy(false);
    if (result.data) onCreated(result.data.createConversation);
    else setError(errorText(result.error));
  };

  return (
    <ModalDialog title="New group" onClose={onClose}>
      <form class="group-form" onSubmit={submit}>
        <label for={titleId}>Group name</label>
        <input
          id={titleId}
          name="title"
          autofocus
          required
          maxLength={100}
          value={title}
          onInput={(event) => setTitle(event.currentTarget.value)}
        />
        <UserPicker client={client} picked={picked} onChange={setPicked} exclude={exclude} />
        {error && (
          <p class="group-error" role="alert">
            {error}
          </p>
        )}
        <div class="group-form__actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : picked.length ? `Create group with ${picked.length + 1} people` : 'Create group'}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}
