import type { Pool, PoolClient } from 'pg';

/**
 * Event positions (see EventClock in schema.prisma). Take them as the LAST statement before COMMIT,
 * after every other lock of the transaction: the clock's row lock serializes every writer of
 * durable events from this statement to commit, so that window must be short, and always taking it
 * last keeps the lock order (conversation rows, then the clock) the same everywhere.
 */
export async function takePositions(client: PoolClient, count: number): Promise<number> {
  const { rows } = await client.query<{ base: string }>(
    'UPDATE event_clock SET last_pos = last_pos + $1 WHERE id = 1 RETURNING last_pos - $1 AS base',
    [count],
  );
  if (!rows[0]) throw new Error('event_clock has no row: the migrations were not applied');
  return Number(rows[0].base);
}

/** The last position handed out and committed: everything at or below it is visible now. */
export async function readClock(pool: Pick<Pool, 'query'>): Promise<number> {
  const { rows } = await pool.query<{ last_pos: string }>('SELECT last_pos FROM event_clock WHERE id = 1');
  return Number(rows[0]?.last_pos ?? 0);
}
