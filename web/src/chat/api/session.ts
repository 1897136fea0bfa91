// The login: access and refresh tokens in localStorage, so a reload stays logged in.
//
// Refresh tokens are single use, and presenting a used one signs the whole login out (theft
// detection). So a refresh must never run twice with the same token: within this tab every caller
// shares one in-flight refresh (single flight), and across tabs of the same origin the refresh runs
// under a Web Lock and first re-reads the shared copy (IndexedDB, see shared-session.ts), adopting
// the pair another tab may just have stored. localStorage keeps the login for a synchronous start
// and tells other tabs of changes.
import { graphql } from '../../gql';
import type { AuthFieldsFragment } from '../../gql/graphql';
import { graphqlRequest, GraphQLRequestError } from './graphql-request';
import { readSharedSession, writeSharedSession } from './shared-session';

const STORAGE_KEY = 'chat.session';
/** Refresh this long before the access token expires, so requests never carry a stale one. */
const REFRESH_MARGIN_MS = 60_000;
/** After a refresh failed for want of network, try again this soon. */
const RETRY_AFTER_NETWORK_ERROR_MS = 10_000;

export const AuthFields = graphql(`
  fragment AuthFields on AuthPayload {
    user {
      id
      username
    }
    tokens {
      accessToken
      accessTokenExpiresAt
      refreshToken
      refreshTokenExpiresAt
    }
  }
`);

const RefreshMutation = graphql(`
  mutation ChatRefresh($refreshToken: String!) {
    refresh(refreshToken: $refreshToken) {
      ...AuthFields
    }
  }
`);

const LogoutMutation = graphql(`
  mutation ChatLogout($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);

export type StoredSession = AuthFieldsFragment;

export type Session = {
  /** The login, or null when signed out. */
  current(): StoredSession | null;
  /** Called on sign-in, sign-out and every refresh (tokens changed). */
  subscribe(listener: () => void): () => void;
  signIn(payload: StoredSession): void;
  /** An access token valid for at least a little while: refreshed first when it is about to expire. */
  accessToken(): Promise<string>;
  /**
   * A new access token, unless the current one already differs from `stale` (someone refreshed
   * meanwhile). Rejects with a GraphQLRequestError when the login is over (and signs out).
   */
  refresh(stale?: string): Promise<string>;
  signOut(): Promise<void>;
};

function readStorage(): StoredSession | null {
  try {
    const raw = localStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

function writeStorage(session: StoredSession | null) {
  if (session) localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
  else localStorage.removeItem(STORAGE_KEY);
}

const expiresInMs = (iso: string) => new Date(iso).getTime() - Date.now();

/** Runs `task` under a lock shared by this origin's tabs (Web Locks), or directly where there are none. */
function withTabLock<T>(task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  return locks ? (locks.request('chat.session.refresh', task) as Promise<T>) : task();
}

export function createSession(): Session {
  let session = readStorage();
  let inFlight: Promise<string> | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const listeners = new Set<() => void>();

  const notify = () => listeners.forEach((listener) => listener());

  const set = (next: StoredSession | null) => {
    session = next;
    writeStorage(next);
    schedule();
    notify();
  };

  /** set(), once the shared copy holds it too: within the lock, before another tab may read it. */
  const store = async (next: StoredSession | null) => {
    await writeSharedSession(next).catch(() => undefined);
    set(next);
  };

  // Proactive refresh: a timer doesn't run while a laptop sleeps, so accessToken() checks the
  // expiry again on every call; the timer only keeps an idle tab's socket from being closed.
  function schedule() {
    clearTimeout(timer);
    if (!session) return;
    const lifetime = expiresInMs(session.tokens.accessTokenExpiresAt);
    // Capped: setTimeout fires at once for delays past 2^31-1 ms (24.8 days).
    const delay = Math.min(2 ** 31 - 1, Math.max(1_000, lifetime - Math.min(REFRESH_MARGIN_MS, lifetime / 4)));
    timer = setTimeout(() => {
      api.refresh(session?.tokens.accessToken).catch(() => {
        // Still logged in (a network or server hiccup): try again soon.
        if (session) timer = setTimeout(schedule, RETRY_AFTER_NETWORK_ERROR_MS);
      });
    }, delay);
  }

  // Another tab signed in, refreshed or signed out: follow it.
  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (event) => {
      if (event.key !== STORAGE_KEY) return;
      session = readStorage();
      schedule();
      notify();
    });
  }

  async function runRefresh(): Promise<string> {
    return withTabLock(async () => {
      const before = session;
      const shared = await readSharedSession().catch(() => undefined);
      const stored = shared === undefined ? readStorage() : shared;
      // Another tab rotated the pair while we waited for the lock: its tokens are ours too.
      if (stored && before && stored.tokens.refreshToken !== before.tokens.refreshToken) {
        set(stored);
        return stored.tokens.accessToken;
      }
      if (!before) throw new GraphQLRequestError([{ message: 'Signed out', extensions: { code: 'UNAUTHENTICATED' } }]);
      try {
        const data = await graphqlRequest(RefreshMutation, { refreshToken: before.tokens.refreshToken });
        await store(data.refresh);
        return data.refresh.tokens.accessToken;
      } catch (error) {
        // The server refused the token (used, expired, logged out): this login is over. Anything
        // else (rate limited, server restarting, network) leaves the login for a later try.
        if (error instanceof GraphQLRequestError && error.code === 'UNAUTHENTICATED') await store(null);
        throw error;
      }
    });
  }

  const api: Session = {
    current: () => session,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    signIn(payload) {
      set(payload);
      void writeSharedSession(payload).catch(() => undefined);
    },
    async accessToken() {
      if (!session) throw new GraphQLRequestError([{ message: 'Signed out', extensions: { code: 'UNAUTHENTICATED' } }]);
      if (expiresInMs(session.tokens.accessTokenExpiresAt) > 5_000) return session.tokens.accessToken;
      return api.refresh(session.tokens.accessToken);
    },
    refresh(stale) {
      if (session && stale !== undefined && session.tokens.accessToken !== stale) return Promise.resolve(session.tokens.accessToken);
      inFlight ??= runRefresh().finally(() => {
        inFlight = null;
      });
      return inFlight;
    },
    async signOut() {
      const ending = session;
      set(null);
      await writeSharedSession(null).catch(() => undefined);
      // Best effort: the server closes this login's sockets and revokes its tokens. Signing out
      // locally must not wait on the network or fail with it.
      if (ending) await graphqlRequest(LogoutMutation, { refreshToken: ending.tokens.refreshToken }).catch(() => undefined);
    },
  };
  schedule();
  return api;
}
