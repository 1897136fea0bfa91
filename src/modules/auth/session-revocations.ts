import type { Pool } from 'pg';

/** A login (or all of a user's logins) signed out at `at` (epoch ms). */
export type RevocationNotice = { sessionIds?: string[]; userId?: string; at: number };

export type SessionRevocations = ReturnType<typeof createSessionRevocations>;

/**
 * Signed-out logins whose access tokens may still be unexpired. An access token is a JWT and stays
 * valid until it expires; this is what makes a signed-out one stop working at once, for new
 * requests and sockets alike. Entries are kept for one access-token lifetime (no token issued
 * before a revocation outlives that), so the maps are bounded by the sign-outs of that window.
 */
export function createSessionRevocations({ accessTtlMs, now = Date.now }: { accessTtlMs: number; now?: () => number }) {
  const sessions = new Map<string, number>();
  /** Every token of the user issued before this time is signed out (logout everywhere). */
  const users = new Map<string, number>();

  const prune = () => {
    const horizon = now() - accessTtlMs;
    for (const [id, at] of sessions) if (at < horizon) sessions.delete(id);
    for (const [id, at] of users) if (at < horizon) users.delete(id);
  };

  return {
    record(notice: RevocationNotice): void {
      for (const id of notice.sessionIds ?? []) sessions.set(id, Math.max(sessions.get(id) ?? 0, notice.at));
      if (notice.userId) users.set(notice.userId, Math.max(users.get(notice.userId) ?? 0, notice.at));
    },
    isRevoked(access: { userId: string; sessionId: string | undefined; issuedAt: Date }): boolean {
      if (access.sessionId !== undefined && sessions.has(access.sessionId)) return true;
      const before = users.get(access.userId);
      return before !== undefined && access.issuedAt.getTime() <= before;
    },
    /** At start: logins signed out recently, by any instance, before this one was listening. */
    async load(pool: Pick<Pool, 'query'>): Promise<void> {
      const { rows } = await pool.query<{ family_id: string; at: Date }>(
        `SELECT family_id, max(revoked_at) AS at FROM refresh_tokens
          WHERE revoked_at > now() - make_interval(secs => $1::double precision / 1000) GROUP BY family_id`,
        [accessTtlMs],
      );
      for (const row of rows) sessions.set(row.family_id, row.at.getTime());
    },
    prune,
    get size() {
      return sessions.size + users.size;
    },
  };
}

export const encodeRevocation = (notice: RevocationNotice) => JSON.stringify(notice);
export function decodeRevocation(payload: string): RevocationNotice {
  const raw = JSON.parse(payload) as RevocationNotice;
  if (typeof raw.at !== 'number') throw new Error('not a revocation notice');
  return raw;
}
