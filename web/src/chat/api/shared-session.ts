// The one copy of the login that every tab reads under the refresh lock. localStorage cannot be
// that copy: Chromium syncs it between renderer processes asynchronously, so a tab that takes the
// lock right after another tab rotated the pair may still read the old refresh token, present it,
// and have the whole login revoked as a theft. IndexedDB goes through the browser process: a read
// that starts after a write has committed sees it.
import type { AuthFieldsFragment } from '../../gql/graphql';

const DB_NAME = 'chat';
const STORE = 'session';
const KEY = 'current';

function openDb(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

async function withStore<T>(mode: IDBTransactionMode, use: (store: IDBObjectStore) => IDBRequest | void): Promise<T | undefined> {
  const db = await openDb();
  try {
    return await new Promise<T | undefined>((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = use(transaction.objectStore(STORE));
      // Resolved on commit, not on the request's success: only then may the lock be released.
      transaction.oncomplete = () => resolve(request ? (request.result as T) : undefined);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

/** The login as the last tab to change it left it; undefined when this browser offers no IndexedDB. */
export async function readSharedSession(): Promise<AuthFieldsFragment | null | undefined> {
  if (typeof indexedDB === 'undefined') return undefined;
  return (await withStore<AuthFieldsFragment>('readonly', (store) => store.get(KEY))) ?? null;
}

/** Resolves once committed, so that a tab taking the lock next reads it. */
export async function writeSharedSession(session: AuthFieldsFragment | null): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  await withStore('readwrite', (store) => (session ? store.put(session, KEY) : store.delete(KEY)));
}
