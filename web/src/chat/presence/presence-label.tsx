// Presence as shown: a dot in the list, and "Online" / "Last seen …" in a conversation's header.
import { useChatState } from '../chat-context';

export function PresenceDot({ userId }: { userId: string }) {
  const online = useChatState((state) => state.users[userId]?.online ?? false);
  return <span class={`presence-dot ${online ? 'is-online' : ''}`} role="img" aria-label={online ? 'online' : 'offline'} />;
}

function lastSeen(iso: string): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  return sameDay
    ? `today at ${date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })}`
    : date.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

export function PresenceLabel({ userId }: { userId: string }) {
  const user = useChatState((state) => state.users[userId]);
  if (!user) return null;
  return (
    <span class="presence-label" data-testid="presence">
      <PresenceDot userId={userId} />
      {user.online ? 'Online' : user.lastSeenAt ? `Last seen ${lastSeen(user.lastSeenAt)}` : 'Offline'}
    </span>
  );
}
