// Picking people by username: searchUsers as the person types (usernames starting with it), each
// result a button, the picked ones shown as removable chips. Buttons rather than a combobox: every
// step is reachable with Tab and Enter, and screen readers need no custom roles to explain it.
import type { Client } from '@urql/core';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { SearchUsersQuery } from './group-operations';
import { errorText } from './error-text';

export type PickedUser = { id: string; username: string };

/** How long typing must pause before a search goes out: one request per word, not per key. */
const SEARCH_PAUSE_MS = 200;

export function UserPicker({
  client,
  picked,
  onChange,
  exclude,
  label = 'Add people by username',
}: {
  client: Client;
  picked: PickedUser[];
  onChange: (picked: PickedUser[]) => void;
  /** Users not to offer (the viewer, people already in the group). */
  exclude: ReadonlySet<string>;
  label?: string;
}) {
  const inputId = useId();
  const input = useRef<HTMLInputElement>(null);
  const resultsId = useId();
  const [query, setQuery] = useState('');
  // The answer and the text it answers: "no one matches" is said only of the text on screen.
  const [answer, setAnswer] = useState<{ query: string; users: PickedUser[]; error: string }>({ query: '', users: [], error: '' });

  useEffect(() => {
    const text = query.trim();
    if (!text) return;
    let current = true;
    const timer = setTimeout(async () => {
      const result = await client.query(SearchUsersQuery, { query: text, first: 8 }, { requestPolicy: 'network-only' }).toPromise();
      // A slower answer to an older query must not overwrite the newer one.
      if (current) setAnswer({ query: text, users: result.data?.searchUsers ?? [], error: errorText(result.error) });
    }, SEARCH_PAUSE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [client, query]);

  const text = query.trim();
  const answered = text !== '' && answer.query === text;
  const results = answered ? answer.users : [];
  const pickedIds = new Set(picked.map((user) => user.id));
  const offered = results.filter((user) => !exclude.has(user.id) && !pickedIds.has(user.id));
  const pick = (user: PickedUser) => {
    onChange([...picked, user]);
    setQuery('');
    // The chosen button disappears from the results: keep the keyboard in the search box.
    input.current?.focus();
  };

  return (
    <div class="user-picker">
      <label for={inputId}>{label}</label>
      <input
        ref={input}
        id={inputId}
        type="search"
        autocomplete="off"
        spellcheck={false}
        value={query}
        aria-describedby={resultsId}
        onInput={(event) => setQuery(event.currentTarget.value)}
        onKeyDown={(event) => {
          // Enter picks the first match instead of submitting the surrounding form half-filled.
          if (event.key !== 'Enter') return;
          event.preventDefault();
          const exact = offered.find((user) => user.username.toLowerCase() === text.toLowerCase());
          const first = exact ?? offered[0];
          if (first) pick(first);
        }}
      />
      <div id={resultsId} class="user-picker__status" role="status">
        {answered ? statusOf(answer.error, results.length, offered.length, text) : ''}
      </div>
      {offered.length > 0 && (
        <ul class="user-picker__results" aria-label="Matching people">
          {offered.map((user) => (
            <li key={user.id}>
              <button type="button" onClick={() => pick(user)}>
                Add {user.username}
              </button>
            </li>
          ))}
        </ul>
      )}
      {picked.length > 0 && (
        <ul class="user-picker__picked" aria-label="Picked">
          {picked.map((user) => (
            <li key={user.id} class="chip">
              <span>{user.username}</span>
              <button
                type="button"
                aria-label={`Don't add ${user.username}`}
                onClick={() => onChange(picked.filter((other) => other.id !== user.id))}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function statusOf(error: string, found: number, offered: number, text: string): string {
  if (error) return error;
  if (found === 0) return `No one's username starts with “${text}”.`;
  if (offered === 0) return 'Everyone matching is already picked or in the group.';
  return `${offered} ${offered === 1 ? 'match' : 'matches'}.`;
}
