// The message box. Enter sends, Shift+Enter starts a new line. Typing notifies the other members
// (throttled, see typing-sync). The ComposerAttach seam (files) sits left of the box and hands
// over upload ids, sent with the next message. The box keeps focus after sending.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { useChat } from '../chat-context';
import { seams } from '../seams';
import { SetTypingMutation } from '../typing/typing-operations';
import { createTypingNotifier } from '../typing/typing-sync';
import { sendMessage } from './send-message';

export function Composer({ conversationId }: { conversationId: string }) {
  const { client, store } = useChat();
  const [draft, setDraft] = useState('');
  const [attachmentIds, setAttachmentIds] = useState<string[]>([]);
  const [resetKey, setResetKey] = useState(0);
  const box = useRef<HTMLTextAreaElement>(null);
  const typing = useMemo(
    () =>
      createTypingNotifier((value) => {
        void client.mutation(SetTypingMutation, { conversationId, typing: value }).toPromise();
      }),
    [conversationId],
  );
  const Attach = seams.ComposerAttach;

  // Opening a conversation puts the cursor in its message box.
  useEffect(() => box.current?.focus(), [conversationId]);
  useEffect(() => () => typing.stopped(), [typing]);

  function submit(event?: Event) {
    event?.preventDefault();
    const content = draft.trim();
    if (!content && !attachmentIds.length) return;
    typing.stopped();
    void sendMessage(client, store, { conversationId, content, attachmentIds });
    setDraft('');
    setAttachmentIds([]);
    setResetKey((key) => key + 1);
    box.current?.focus();
  }

  return (
    <form class="composer" onSubmit={submit} aria-label="Send a message">
      {Attach && <Attach conversationId={conversationId} onChange={setAttachmentIds} resetKey={resetKey} disabled={false} />}
      <label for="composer-input" class="visually-hidden">
        Message
      </label>
      <textarea
        id="composer-input"
        ref={box}
        rows={1}
        placeholder="Write a message…"
        value={draft}
        maxLength={4000}
        onInput={(event) => {
          setDraft(event.currentTarget.value);
          typing.typed(event.currentTarget.value);
        }}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) submit(event);
        }}
      />
      <button type="submit" disabled={!draft.trim() && !attachmentIds.length}>
        Send
      </button>
    </form>
  );
}
