// A group's members: who is in it and with what role; admins rename the group, add and remove
// people and change their roles; anyone leaves.
// The list is given by the owner and kept live there (the chat store follows the inbox's
// ConversationUpdated events), so what another admin does shows here as it happens. Each
// mutation's answer is the group as it now is, handed back through onChanged for the store.
// A refusal (FORBIDDEN when no longer an admin, NOT_FOUND...) is shown beside the actions.
import type { Client } from '@urql/core';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ChatConversationFieldsFragment } from '../../gql/graphql';
import { errorText } from './error-text';
import { FocusedButton } from './focused-button';
import { AddMembersMutation, LeaveGroupMutation, RemoveMemberMutation, RenameGroupMutation, SetRoleMutation } from './group-operations';
import { ModalDialog } from './modal-dialog';
import { RenameForm } from './rename-form';
import { UserPicker, type PickedUser } from './user-picker';

const ADMINS_ONLY = 'Only an admin of this group can do that (you may have been made a plain member meanwhile).';

export type GroupView = {
  id: string;
  title: string | null;
  memberCount: number;
  /** Longest-standing first, as the server lists them. */
  members: readonly { userId: string; username: string; role: string }[];
};

export function MembersDialog({
  client,
  group,
  viewerId,
  onChanged,
  onLeft,
  onClose,
}: {
  client: Client;
  group: GroupView;
  viewerId: string;
  /** The group as a mutation answered it. */
  onChanged: (conversation: ChatConversationFieldsFragment) => void;
  /** The viewer left: the owner drops the conversation. */
  onLeft: (conversationId: string) => void;
  onClose: () => void;
}) {
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState<string | null>(null);
  // Whose Remove (or, for the viewer, Leave) button takes the focus back after "Keep" or "Stay".
  const [declined, setDeclined] = useState<string | null>(null);
  const noticeRef = useRef<HTMLParagraphElement>(null);
  const focusNotice = useRef(false);
  // After a removal the row, and the button that had the focus, are gone: the keyboard goes to
  // the notice saying what happened, still inside the dialog.
  useEffect(() => {
    if (focusNotice.current && notice) noticeRef.current?.focus();
    focusNotice.current = false;
  }, [notice]);
  const [toAdd, setToAdd] = useState<PickedUser[]>([]);

  const isAdmin = group.members.some((member) => member.userId === viewerId && member.role === 'ADMIN');
  const memberIds = useMemo(() => new Set(group.members.map((member) => member.userId)), [group.members]);
  const conversationId = group.id;

  // One request at a time; its error stays until the next action.
  const run = async (action: () => Promise<string | undefined>) => {
    setBusy(true);
    setError('');
    setNotice('');
    setConfirming(null);
    setDeclined(null);
    setError((await action()) ?? '');
    setBusy(false);
  };
  const decline = () => {
    setDeclined(confirming);
    setConfirming(null);
  };

  const add = () =>
    run(async () => {
      const userIds = toAdd.map((user) => user.id);
      const result = await client.mutation(AddMembersMutation, { conversationId, userIds }).toPromise();
      if (!result.data) return errorText(result.error, { forbidden: ADMINS_ONLY });
      onChanged(result.data.addMembers);
      setNotice(`Added ${toAdd.map((user) => user.username).join(', ')}.`);
      setToAdd([]);
    });

  const remove = (userId: string, username: string) =>
    run(async () => {
      const result = await client.mutation(RemoveMemberMutation, { conversationId, userId }).toPromise();
      if (!result.data) return errorText(result.error, { forbidden: ADMINS_ONLY });
      onChanged(result.data.removeMember);
      focusNotice.current = true;
      setNotice(`Removed ${username}. New messages no longer reach them.`);
    });

  // The answer is one Member; the group as a whole follows through the ROLE_CHANGED event.
  const setRole = (userId: string, username: string, role: 'ADMIN' | 'MEMBER') =>
    run(async () => {
      const result = await client.mutation(SetRoleMutation, { conversationId, userId, role }).toPromise();
      if (!result.data) return errorText(result.error, { forbidden: ADMINS_ONLY });
      setNotice(role === 'ADMIN' ? `${username} is now an admin.` : `${username} is now a member.`);
    });

  const rename = (title: string) =>
    run(async () => {
      const result = await client.mutation(RenameGroupMutation, { conversationId, title }).toPromise();
      if (!result.data) return errorText(result.error, { forbidden: ADMINS_ONLY });
      onChanged(result.data.renameConversation);
      setNotice(`Renamed to ${result.data.renameConversation.title}.`);
    });

  const leave = () =>
    run(async () => {
      const result = await client.mutation(LeaveGroupMutation, { conversationId }).toPromise();
      if (!result.data) return errorText(result.error);
      onLeft(conversationId);
    });

  return (
    <ModalDialog title={group.title ? `Members of ${group.title}` : 'Members'} onClose={onClose} className="members-dialog">
      {isAdmin && <RenameForm key={group.title} title={group.title ?? ''} busy={busy} onRename={rename} />}
      <p class="members-dialog__count">
        {group.memberCount} {group.memberCount === 1 ? 'member' : 'members'}
        {isAdmin ? '' : ' · only admins can add or remove people'}
      </p>
      <ul class="member-list" aria-label="Members">
        {group.members.map((member) => {
          const self = member.userId === viewerId;
          return (
            <li key={member.userId} class="member-list__item">
              <span class="member-list__name">
                {member.username}
                {self && ' (you)'}
              </span>
              <span class={`role role--${member.role.toLowerCase()}`}>{member.role === 'ADMIN' ? 'Admin' : 'Member'}</span>
              {isAdmin && !self && (
                // Short visible words; the name says whom (it starts with the visible words, as
                // voice control users will say them).
                <button
                  type="button"
                  disabled={busy}
                  aria-label={`${member.role === 'ADMIN' ? 'Make member' : 'Make admin'}: ${member.username}`}
                  onClick={() => setRole(member.userId, member.username, member.role === 'ADMIN' ? 'MEMBER' : 'ADMIN')}
                >
                  {member.role === 'ADMIN' ? 'Make member' : 'Make admin'}
                </button>
              )}
              {isAdmin &&
                !self &&
                (confirming === member.userId ? (
                  <span class="member-list__confirm">
                    <FocusedButton class="danger" disabled={busy} onClick={() => remove(member.userId, member.username)}>
                      Yes, remove {member.username}
                    </FocusedButton>
                    <button type="button" onClick={decline}>
                      Keep
                    </button>
                  </span>
                ) : declined === member.userId ? (
                  <FocusedButton label={`Remove: ${member.username}`} disabled={busy} onClick={() => setConfirming(member.userId)}>
                    Remove
                  </FocusedButton>
                ) : (
                  <button
                    type="button"
                    disabled={busy}
                    aria-label={`Remove: ${member.username}`}
                    onClick={() => setConfirming(member.userId)}
                  >
                    Remove
                  </button>
                ))}
            </li>
          );
        })}
      </ul>
      <p ref={noticeRef} class="group-notice" role="status" tabIndex={-1}>
        {notice}
      </p>
      {error && (
        <p class="group-error" role="alert">
          {error}
        </p>
      )}
      {isAdmin && (
        <form
          class="group-form"
          onSubmit={(event) => {
            event.preventDefault();
            if (toAdd.length) void add();
          }}
        >
          <UserPicker client={client} picked={toAdd} onChange={setToAdd} exclude={memberIds} />
          <div class="group-form__actions">
            <button type="submit" class="primary" disabled={busy || toAdd.length === 0}>
              {toAdd.length > 1 ? `Add ${toAdd.length} people` : 'Add to group'}
            </button>
          </div>
        </form>
      )}
      <div class="members-dialog__leave">
        {confirming === viewerId ? (
          <>
            <span>Leave {group.title ?? 'this group'}? Its new messages will no longer reach you.</span>
            <FocusedButton class="danger" disabled={busy} onClick={leave}>
              Yes, leave
            </FocusedButton>
            <button type="button" onClick={decline}>
              Stay
            </button>
          </>
        ) : declined === viewerId ? (
          <FocusedButton class="danger" disabled={busy} onClick={() => setConfirming(viewerId)}>
            Leave group
          </FocusedButton>
        ) : (
          <button type="button" class="danger" disabled={busy} onClick={() => setConfirming(viewerId)}>
            Leave group
          </button>
        )}
      </div>
    </ModalDialog>
  );
}
