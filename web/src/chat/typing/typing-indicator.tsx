// "alice is typing…" under the messages; aria-live so a screen reader hears it without moving focus.
import { useChatState } from '../chat-context';

export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const names = useChatState((state) =>
    Object.keys(state.typing[conversationId] ?? {})
      .filter((id) => id !== state.me.id)
      .map((id) => state.users[id]?.username ?? 'Someone')
      .sort()
      .join('|'),
  );
  const list = names ? names.split('|') : [];
  const text =
    list.length === 0
      ? ''
      : list.length === 1
        ? `${list[0]} is typing…`
        : list.length === 2
          ? `${list[0]} and ${list[1]} are typing…`
          : `${list.length} people are typing…`;
  return (
    <p class="typing" aria-live="polite">
      {text}
    </p>
  );
}
