import { randomUUID } from 'node:crypto';
import type { Db } from '../../infra/db/prisma.js';
import type { User } from '../../generated/prisma/client.js';
import { hashRefreshToken, newRefreshToken, type TokenService } from './tokens.js';
import type { RevocationNotice } from './session-revocations.js';

export type AuthDeps = {
  db: Db;
  tokens: TokenService;
  bcryptCost: number;
  refreshTtlMs: number;
  /** Tells every instance that logins were signed out (after the database says so). */
  announce: (notice: RevocationNotice) => Promise<void>;
};

export type TokenPair = { accessToken: string; refreshToken: string; accessTokenExpiresAt: Date; refreshTokenExpiresAt: Date };
export type AuthPayload = { user: User; tokens: TokenPair };

/**
 * Issues an access token and a refresh token; a new family at login, the same family on refresh.
 * `deps.db` may be a transaction client (refresh rotates and issues in one transaction).
 */
export async function issueSession(
  deps: Omit<AuthDeps, 'db'> & { db: Pick<Db, 'refreshToken'> },
  user: User,
  familyId: string = randomUUID(),
): Promise<AuthPayload> {
  const refreshToken = newRefreshToken();
  const refreshTokenExpiresAt = new Date(Date.now() + deps.refreshTtlMs);
  await deps.db.refreshToken.create({
    data: { userId: user.id, familyId, tokenHash: hashRefreshToken(refreshToken), expiresAt: refreshTokenExpiresAt },
  });
  const access = deps.tokens.signAccess({ userId: user.id, email: user.email, sessionId: familyId });
  return { user, tokens: { accessToken: access.token, accessTokenExpiresAt: access.expiresAt, refreshToken, refreshTokenExpiresAt } };
}

/**
 * Revokes every live token of a family (logout, or a rotated token presented again), then has every
 * instance refuse the login's access tokens and close its sockets.
 */
export async function revokeFamily(deps: Pick<AuthDeps, 'db' | 'announce'>, familyId: string): Promise<number> {
  const at = new Date();
  const { count } = await deps.db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: at } });
  await deps.announce({ sessionIds: [familyId], at: at.getTime() });
  return count;
}

/** Signs out every login of the user (logout everywhere). */
export async function revokeUser(deps: Pick<AuthDeps, 'db' | 'announce'>, userId: string): Promise<number> {
  const at = new Date();
  const { count } = await deps.db.refreshToken.updateMany({ where: { userId, revokedAt: null }, data: { revokedAt: at } });
  await deps.announce({ userId, at: at.getTime() });
  return count;
}
