// Says so when a group leaves the viewer's list. The chat store drops a conversation on the
// inbox's RemovedFromConversation (removed by an admin, or left from any device); without a word,
// an open group would just vanish from under the person reading it.
import { useEffect, useRef, useState } from 'preact/hooks';
import { useChatState } from '../chat-context';

export function RemovalNotice() {
  const conversations = useChatState((state) => state.conversations);
  const previous = useRef(conversations);
  const [gone, setGone] = useState<{ id: string; title: string }[]>([]);

  useEffect(() => {
    const before = previous.current;
    previous.current = conversations;
    const vanished = Object.values(before)
      .filter((conversation) => conversation.type === 'GROUP' && !conversations[conversation.id])
      .map((conversation) => ({ id: conversation.id, title: conversation.title ?? 'a group' }));
    setGone((list) => {
      // A group the viewer is back in (added again) no longer needs its notice.
      const kept = list.filter((g) => !conversations[g.id] && !vanished.some((v) => v.id === g.id));
      return vanished.length || kept.length !== list.length ? [...kept, ...vanished] : list;
    });
  }, [conversations]);

  return (
    <div class="removal-notices" role="status">
      {gone.map((group) => (
        <p key={group.id} class="removal-notice">
          <span>You are no longer a member of “{group.title}”.</span>
          <button type="button" onClick={() => setGone((list) => list.filter((g) => g.id !== group.id))}>
            Dismiss
          </button>
        </p>
      ))}
    </div>
  );
}
