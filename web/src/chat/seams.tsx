// Extension points for features built on this shell (groups and member management, file
// attachments). Each is a component slot, empty by default; a feature fills it by registering its
// component here (one line), without editing the shell's components:
//
//   ConversationHeaderActions  buttons in the conversation pane's header (e.g. "Members").
//   SidebarActions             controls under the sidebar's "New conversation" form (e.g. "New group").
//   ComposerAttach             a control left of the message box (e.g. "Attach"). It reports the
//                              uploads ready to send with onChange(ids); the composer sends them
//                              with the next message (attachmentIds) and calls reset() after.
//   MessageAttachments         renders a message's attachments (message.attachments holds id,
//                              fileName, contentType, size, width, height, url) under its text.
//
// Components get the chat (client, store) through useChat() from './chat-context'.
import type { ComponentType } from 'preact';
import { FileComposerAttach, FileMessageAttachments } from './files/file-seams';
import { GroupHeaderActions, GroupSidebarActions } from './groups/group-seams';
import type { ChatConversation, ChatMessage } from './state/chat-state';

export type ComposerAttachProps = {
  conversationId: string;
  /** The uploads to send with the next message (ids from createUpload, bytes PUT). */
  onChange(attachmentIds: string[]): void;
  /** Bumped after each send: clear your selection when it changes. */
  resetKey: number;
  disabled: boolean;
};

export type Seams = {
  ConversationHeaderActions?: ComponentType<{ conversation: ChatConversation }>;
  SidebarActions?: ComponentType<{ openConversation(id: string): void }>;
  ComposerAttach?: ComponentType<ComposerAttachProps>;
  MessageAttachments?: ComponentType<{ message: ChatMessage }>;
};

/** Register feature components here. */
export const seams: Seams = {
  ConversationHeaderActions: GroupHeaderActions,
  SidebarActions: GroupSidebarActions,
  ComposerAttach: FileComposerAttach,
  MessageAttachments: FileMessageAttachments,
};
