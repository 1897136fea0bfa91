// A conversation's messages, oldest at the top. Scrolling near the top loads the page before
// (keeping what was on screen in place); a new message scrolls into view only if the reader was
// already at the bottom. role=log makes additions polite live announcements.
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { useChat, useChatState } from '../chat-context';
import { receiptLabel } from '../receipts/receipt-label';
import { loadHistory } from './history';
import { MessageItem, OutgoingItem } from './message-item';
import { retryMessage } from './send-message';

const NEAR_TOP_PX = 120;
const NEAR_BOTTOM_PX = 80;

export function MessageList({ conversationId, label }: { conversationId: string; label: string }) {
  const { client, store } = useChat();
  const state = useChatState((s) => s);
  const bucket = state.buckets[conversationId];
  const conversation = state.conversations[conversationId]!;
  const outgoing = state.outgoing[conversationId] ?? [];
  const messages = bucket?.messages ?? [];
  const list = useRef<HTMLDivElement>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [loadFailed, setLoadFailed] = useState(false);
  const atBottom = useRef(true);

  // The newest page on opening, and again if the sync dropped the loaded history (see inbox-sync).
  const loaded = bucket?.loaded ?? false;
  useEffect(() => {
    if (loaded) return;
    void loadHistory(client, store, conversationId, 'newest').then((ok) => setLoadFailed(!ok));
  }, [conversationId, loaded]);

  // Keeping the view still while older messages are inserted above it: before loading, note where
  // the first message shown sits in the viewport; once the page is in the DOM, scroll so it sits
  // there again. (Chromium's scroll anchoring does not help at scrollTop 0, where this happens.)
  const anchor = useRef<{ element: Element; offset: number } | null>(null);
  const offsetIn = (node: HTMLElement, element: Element) => element.getBoundingClientRect().top - node.getBoundingClientRect().top;

  async function loadOlder() {
    const node = list.current;
    if (!node || loadingOlder || !bucket?.hasOlder) return;
    const first = node.querySelector('li.message');
    anchor.current = first ? { element: first, offset: offsetIn(node, first) } : null;
    setLoadingOlder(true);
    await loadHistory(client, store, conversationId, 'older');
    setLoadingOlder(false);
  }

  const firstSeq = messages[0]?.seq;
  const count = messages.length + outgoing.length;
  const newestSeq = messages[messages.length - 1]?.seq ?? 0;
  const seenSeq = useRef(newestSeq);
  const [newBelow, setNewBelow] = useState(false);
  function toBottom() {
    const node = list.current!;
    node.scrollTop = node.scrollHeight;
    atBottom.current = true;
    setNewBelow(false);
    node.focus();
  }
  useLayoutEffect(() => {
    const node = list.current;
    if (!node) return;
    const held = anchor.current;
    if (held?.element.isConnected && node.firstElementChild?.querySelector('li.message') !== held.element) {
      node.scrollTop += offsetIn(node, held.element) - held.offset;
      anchor.current = null;
    } else if (atBottom.current) {
      node.scrollTop = node.scrollHeight;
    } else if (newestSeq > seenSeq.current) {
      // Something arrived below while the reader is up in the history: say so, don't yank them down.
      setNewBelow(true);
    }
    seenSeq.current = Math.max(seenSeq.current, newestSeq);
    // A first page shorter than the view gives no scrollbar to scroll up with: fetch more now.
    if (bucket?.loaded && bucket.hasOlder && node.scrollHeight <= node.clientHeight) void loadOlder();
  }, [firstSeq, count, bucket?.loaded]);

  function onScroll() {
    const node = list.current!;
    atBottom.current = node.scrollHeight - node.scrollTop - node.clientHeight < NEAR_BOTTOM_PX;
    if (atBottom.current && newBelow) setNewBelow(false);
    if (node.scrollTop < NEAR_TOP_PX) void loadOlder();
  }

  const newestMine = [...messages].reverse().find((m) => m.sender.id === state.me.id);

  return (
    <div class="messages-wrap">
      {loadFailed && (
        <p role="alert" class="error">
          Could not load the history.{' '}
          <button type="button" onClick={() => void loadHistory(client, store, conversationId, 'newest').then((ok) => setLoadFailed(!ok))}>
            Try again
          </button>
        </p>
      )}
      <div ref={list} class="messages" role="log" aria-label={label} tabIndex={0} onScroll={onScroll}>
        <ol class="message-items">
          {bucket?.loaded && !bucket.hasOlder && messages.length > 0 && <li class="history-start muted">Beginning of the conversation</li>}
          {loadingOlder && <li class="muted">Loading earlier messages…</li>}
          {bucket?.loaded && messages.length === 0 && outgoing.length === 0 && <li class="muted">No messages yet. Say hello!</li>}
          {messages.map((message) => (
            <MessageItem
              key={message.id}
              message={message}
              mine={message.sender.id === state.me.id}
              receipt={message === newestMine ? receiptLabel(state, conversation, message.seq) : undefined}
            />
          ))}
          {outgoing.map((message) => (
            <OutgoingItem key={message.clientMessageId} message={message} onRetry={() => void retryMessage(client, store, message)} />
          ))}
        </ol>
      </div>
      {newBelow && (
        <button type="button" class="new-below" onClick={toBottom}>
          New messages ↓
        </button>
      )}
    </div>
  );
}
