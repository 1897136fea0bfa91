import { AppError } from '../../errors.js';
import { hashRefreshToken } from './tokens.js';
import { issueSession, revokeFamily, revokeUser, type AuthDeps, type AuthPayload } from './sessions.js';

/**
 * Rotates a refresh token. Presenting one that was already rotated (or racing a rotation) is taken
 * as theft: the whole family is revoked and every session from that login must log in again.
 */
export async function refresh(deps: AuthDeps, refreshToken: string): Promise<AuthPayload> {
  const row = await deps.db.refreshToken.findUnique({ where: { tokenHash: hashRefreshToken(refreshToken) }, include: { user: true } });
  if (!row) throw new AppError('UNAUTHENTICATED', 'Invalid refresh token: log in again.');
  if (row.revokedAt) throw new AppError('UNAUTHENTICATED', 'This session was signed out: log in again.');
  if (row.rotatedAt) return reuseDetected(deps, row.familyId);
  if (row.expiresAt.getTime() <= Date.now()) throw new AppError('UNAUTHENTICATED', 'Your refresh token has expired: log in again.');

  // Rotation and the successor's insert commit together. A concurrent presentation of the same
  // token blocks on the row lock until then, finds it rotated, and revokes the family after the
  // successor exists: done as two statements, the successor could be inserted after that
  // revocation and outlive it.
  const issued = await deps.db.$transaction(async (tx) => {
    const { count } = await tx.refreshToken.updateMany({
      where: { id: row.id, rotatedAt: null, revokedAt: null },
      data: { rotatedAt: new Date() },
    });
    return count === 0 ? null : issueSession({ ...deps, db: tx }, row.user, row.familyId);
  });
  return issued ?? reuseDetected(deps, row.familyId);
}

async function reuseDetected(deps: AuthDeps, familyId: string): Promise<never> {
  await revokeFamily(deps, familyId);
  throw new AppError(
    'UNAUTHENTICATED',
    'This refresh token was already used. For safety, every session of this login has been signed out: log in again.',
    { reason: 'REFRESH_TOKEN_REUSED' },
  );
}

/**
 * Signs out the login this refresh token belongs to (with `everywhere`, every login of its user) and
 * closes their sockets on every instance. False when the token is unknown or already signed out.
 */
export async function logout(deps: Pick<AuthDeps, 'db' | 'announce'>, refreshToken: string, everywhere = false): Promise<boolean> {
  const row = await deps.db.refreshToken.findUnique({
    where: { tokenHash: hashRefreshToken(refreshToken) },
    select: { familyId: true, userId: true },
  });
  if (!row) return false;
  if (everywhere) return (await revokeUser(deps, row.userId)) > 0;
  return (await revokeFamily(deps, row.familyId)) > 0;
}
