import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { AppError } from '../../errors.js';

export type AccessToken = { token: string; expiresAt: Date };
export type VerifiedAccess = {
  userId: string;
  email: string | undefined;
  sessionId: string | undefined;
  issuedAt: Date;
  expiresAt: Date;
};
export type TokenService = ReturnType<typeof createTokenService>;

/**
 * Access tokens: HS256 JWTs with the algorithm pinned on verify. The secret is wrapped in a
 * KeyObject once: given a string, jsonwebtoken first tries to parse it as a PEM key on every call.
 */
export function createTokenService({ secret, accessTtlMs }: { secret: string; accessTtlMs: number }) {
  const key: KeyObject = createSecretKey(Buffer.from(secret, 'utf8'));

  return {
    /**
     * An access token for one login (`sessionId`: its refresh token family). It carries the user's
     * email, so that the user's own email can be shown on a live event without a query.
     */
    signAccess({ userId, email, sessionId }: { userId: string; email: string; sessionId: string }, now = Date.now()): AccessToken {
      const exp = Math.floor((now + accessTtlMs) / 1000);
      // iat has one-second resolution; `iss_ms` (issued at, in ms) orders a token against a sign-out
      // made in the same second.
      const token = jwt.sign({ sub: userId, email, sid: sessionId, typ: 'access', exp, iat: Math.floor(now / 1000), iss_ms: now }, key, {
        algorithm: 'HS256',
      });
      return { token, expiresAt: new Date(exp * 1000) };
    },

    /** Who a valid access token speaks for; UNAUTHENTICATED with a reason otherwise. */
    verifyAccess(token: string): VerifiedAccess {
      let payload: jwt.JwtPayload | string;
      try {
        payload = jwt.verify(token, key, { algorithms: ['HS256'] });
      } catch (error) {
        if (error instanceof jwt.TokenExpiredError) {
          throw new AppError('UNAUTHENTICATED', 'Your access token has expired: get a new one with the refresh mutation.', {
            reason: 'TOKEN_EXPIRED',
          });
        }
        throw new AppError('UNAUTHENTICATED', 'Invalid access token: log in again.', { reason: 'TOKEN_INVALID' });
      }
      if (typeof payload === 'string' || payload.typ !== 'access' || typeof payload.sub !== 'string') {
        throw new AppError('UNAUTHENTICATED', 'Invalid access token: log in again.', { reason: 'TOKEN_INVALID' });
      }
      return {
        userId: payload.sub,
        email: typeof payload.email === 'string' ? payload.email : undefined,
        sessionId: typeof payload.sid === 'string' ? payload.sid : undefined,
        issuedAt: new Date(typeof payload.iss_ms === 'number' ? payload.iss_ms : (payload.iat ?? 0) * 1000),
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
    },
  };
}

/** Opaque refresh tokens: 256 random bits; only their SHA-256 is stored. */
export const newRefreshToken = (): string => randomBytes(32).toString('base64url');
export const hashRefreshToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** "Bearer <token>" (or a bare token) to the token; undefined when absent. */
export function bearerToken(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!trimmed) return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(trimmed);
  return match ? match[1]!.trim() : trimmed;
}
