// Files in the chat shell (its seams, ../seams.tsx): the composer's attach control, and a
// message's attachments under its text. Both reach the API through the chat's urql client.
import type { ComposerAttachProps } from '../seams';
import { useChat } from '../chat-context';
import type { ChatMessage } from '../state/chat-state';
import { AttachControl } from './attach-control';
import { MessageAttachments } from './message-attachments';

export function FileComposerAttach(props: ComposerAttachProps) {
  const { client } = useChat();
  return (
    <AttachControl
      client={client}
      conversationId={props.conversationId}
      onChange={(ids) => props.onChange(ids)}
      resetKey={props.resetKey}
      disabled={props.disabled}
    />
  );
}

export function FileMessageAttachments({ message }: { message: ChatMessage }) {
  const { client } = useChat();
  return <MessageAttachments client={client} message={message} />;
}
