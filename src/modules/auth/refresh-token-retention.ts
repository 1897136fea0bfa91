import type { Db } from '../../infra/db/prisma.js';

/**
 * Deletes refresh tokens past their expiry, rotated and revoked ones included: an expired token is
 * refused whatever its state, and reuse detection only matters while a token could still be used.
 * So the table holds at most the tokens issued within one JWT_REFRESH_EXPIRY. Deletes in bounded
 * batches along the expires_at index, so a large backlog never becomes one long transaction.
 * `id = ANY(ARRAY(...))`, not `id IN (...)`: the latter may be planned as a join over the whole table.
 */
export async function deleteExpiredRefreshTokens(db: Db, { batch = 1000, now = new Date() } = {}): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await db.$executeRaw`
      DELETE FROM refresh_tokens WHERE id = ANY(ARRAY(
        SELECT id FROM refresh_tokens WHERE expires_at < ${now} ORDER BY expires_at LIMIT ${batch}))`;
    total += deleted;
    if (deleted < batch) return total;
  }
}
