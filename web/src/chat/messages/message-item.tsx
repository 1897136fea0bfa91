// One message: sender, time, text, attachments (through the MessageAttachments seam), and for our
// own messages their state: pending, failed with Retry, or the receipt on the newest one.
import { seams } from '../seams';
import type { ChatMessage, OutgoingMessage } from '../state/chat-state';

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

export function MessageItem({ message, mine, receipt }: { message: ChatMessage; mine: boolean; receipt?: string }) {
  const Attachments = seams.MessageAttachments;
  return (
    <li class={`message ${mine ? 'mine' : ''}`} data-seq={message.seq}>
      <p class="message-meta">
        <span class="message-sender">{mine ? 'You' : message.sender.username}</span>{' '}
        <time dateTime={message.createdAt}>{time(message.createdAt)}</time>
      </p>
      {message.content && <p class="message-text">{message.content}</p>}
      {Attachments && message.attachments.length > 0 && <Attachments message={message} />}
      {receipt && (
        <p class="message-status" data-testid="receipt">
          {receipt}
        </p>
      )}
    </li>
  );
}

export function OutgoingItem({ message, onRetry }: { message: OutgoingMessage; onRetry(): void }) {
  const failed = message.status === 'failed';
  return (
    <li class={`message mine outgoing ${failed ? 'failed' : 'pending'}`}>
      <p class="message-meta">
        <span class="message-sender">You</span>
      </p>
      {message.content && <p class="message-text">{message.content}</p>}
      {message.attachmentIds.length > 0 && <p class="muted">{message.attachmentIds.length} attachment(s)</p>}
      <p class="message-status" data-testid="send-status">
        {failed ? (
          <>
            <span role="alert">Not sent{message.error ? ` (${message.error})` : ''}.</span>{' '}
            <button type="button" onClick={onRetry}>
              Retry
            </button>
          </>
        ) : (
          'Sending…'
        )}
      </p>
    </li>
  );
}
