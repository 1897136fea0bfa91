// The live connection as the user should know it: "Online", or "Reconnecting…" while messages may
// be late (they are not lost: the inbox resumes from its cursor). role=status announces changes.
import { useChatState } from '../chat-context';

const LABELS = { connecting: 'Connecting…', online: 'Online', reconnecting: 'Reconnecting…' } as const;

export function ConnectionStatus() {
  const connection = useChatState((state) => state.connection);
  return (
    <p class={`connection connection-${connection}`} role="status" aria-label="Connection">
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[connection]}
    </p>
  );
}
