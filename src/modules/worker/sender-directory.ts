import { LRUCache } from 'lru-cache';
import type { PoolClient } from 'pg';
import type { MessageSender } from '../messages/message-event.js';

export type SenderDirectory = ReturnType<typeof createSenderDirectory>;

/**
 * What a committed message carries of its sender (id, username, createdAt), remembered: none of
 * these ever changes for a user, so a steady sender costs the commit no query. Bounded like every
 * cache here; a miss is read in the commit's own transaction.
 */
export function createSenderDirectory({ max = 50_000 } = {}) {
  const known = new LRUCache<string, MessageSender>({ max });

  return {
    async lookup(client: Pick<PoolClient, 'query'>, ids: readonly string[]): Promise<Map<string, MessageSender>> {
      const found = new Map<string, MessageSender>();
      const missing: string[] = [];
      for (const id of ids) {
        const sender = known.get(id);
        if (sender) found.set(id, sender);
        else missing.push(id);
      }
      if (missing.length === 0) return found;
      for (const [id, sender] of await readSenders(client, missing)) {
        known.set(id, sender);
        found.set(id, sender);
      }
      return found;
    },
  };
}

/** The senders' public fields, read from the database. */
async function readSenders(client: Pick<PoolClient, 'query'>, ids: readonly string[]): Promise<Map<string, MessageSender>> {
  const { rows } = await client.query<{ id: string; username: string; created_at: Date }>(
    'SELECT id, username, created_at FROM users WHERE id = ANY($1::uuid[])',
    [ids],
  );
  return new Map(rows.map((row) => [row.id, { id: row.id, username: row.username, createdAt: row.created_at }]));
}
