// Start a direct conversation by username: the field suggests matches as you type (searchUsers,
// by prefix); submitting opens (or creates) the DM with the user picked, or with the exact match.
import { useEffect, useRef, useState } from 'preact/hooks';
import { describeError } from '../api/errors';
import { useChat } from '../chat-context';
import { upsertConversation, type ChatUser } from '../state/chat-state';
import { DirectConversationMutation, SearchUsersQuery } from './conversation-operations';

export function NewDirectForm({ onOpened }: { onOpened(id: string): void }) {
  const { client, store } = useChat();
  const [query, setQuery] = useState('');
  const [matches, setMatches] = useState<ChatUser[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const latest = useRef('');
  const me = store.get().me;

  useEffect(() => {
    const text = query.trim();
    latest.current = text;
    if (!text) return setMatches([]);
    const timer = setTimeout(async () => {
      const result = await client.query(SearchUsersQuery, { query: text }).toPromise();
      if (latest.current !== text) return; // an answer to an older query
      setMatches((result.data?.searchUsers ?? []).filter((user) => user.id !== me.id));
    }, 200);
    return () => clearTimeout(timer);
  }, [query]);

  async function start(user: ChatUser) {
    setBusy(true);
    setError(null);
    const result = await client.mutation(DirectConversationMutation, { userId: user.id }).toPromise();
    setBusy(false);
    const conversation = result.data?.directConversation;
    if (!conversation) return setError(describeError(result.error));
    store.update((state) => upsertConversation(state, conversation));
    setQuery('');
    setMatches([]);
    onOpened(conversation.id);
  }

  async function submit(event: Event) {
    event.preventDefault();
    const text = query.trim().toLowerCase();
    if (!text) return;
    const exact = matches.find((user) => user.username.toLowerCase() === text);
    if (exact) return start(exact);
    const result = await client.query(SearchUsersQuery, { query: text }).toPromise();
    const found = result.data?.searchUsers.find((user) => user.username.toLowerCase() === text && user.id !== me.id);
    if (found) return start(found);
    setError(result.error ? describeError(result.error) : `No user named “${query.trim()}”.`);
  }

  return (
    <form class="new-direct" onSubmit={submit} role="search" aria-label="New conversation">
      <label for="new-direct-username">Start a conversation</label>
      <div class="row">
        <input
          id="new-direct-username"
          placeholder="Username"
          autocomplete="off"
          value={query}
          onInput={(event) => {
            setQuery(event.currentTarget.value);
            setError(null);
          }}
        />
        <button type="submit" disabled={busy || !query.trim()}>
          Start
        </button>
      </div>
      {matches.length > 0 && (
        <ul class="user-matches" aria-label="Matching users">
          {matches.map((user) => (
            <li key={user.id}>
              <button type="button" disabled={busy} onClick={() => void start(user)}>
                Message {user.username}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </form>
  );
}
