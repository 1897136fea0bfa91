import { AppError } from '../../errors.js';
import type { Viewer } from '../../graphql/context.js';
import type { SessionRevocations } from './session-revocations.js';
import type { TokenService } from './tokens.js';

/** A graphql-ws socket as the account sees it: who it speaks for, until when, and how to end it. */
export type SocketSession = {
  viewer: Viewer & { tokenExpiresAt: Date };
  close(code: number, reason: string): void;
  /** Bytes queued on the socket and not yet sent: how far behind its reader is. */
  bufferedAmount(): number;
  /** Read from the upgrade request at connection_init, which is then let go. */
  clientAddress: string;
  origin: string;
};

export type SocketSessions = ReturnType<typeof createSocketSessions>;

/** graphql-ws's close code for "forbidden": clients do not reconnect on their own with the same token. */
export const CLOSE_FORBIDDEN = 4403;
export const EXPIRED_REASON =
  'Your access token expired: reconnect with a fresh one (get it with refresh), or renew in time with renewSocket.';
export const SIGNED_OUT_REASON = 'This login was signed out: log in again.';

/**
 * The sockets of this instance, by user. One sweep a second (not a timer per socket) closes those
 * whose token has expired; renewSocket moves a socket's expiry; a sign-out closes the sockets of the
 * logins it ended.
 */
export function createSocketSessions({
  tokens,
  revocations,
  now = Date.now,
  sweepEveryMs = 1000,
}: {
  tokens: TokenService;
  revocations: SessionRevocations;
  now?: () => number;
  sweepEveryMs?: number;
}) {
  // A user's sessions in an array replaced on every change: a user has a few (a Set costs more),
  // and a sweep closing some while it walks them is unaffected.
  const byUser = new Map<string, readonly SocketSession[]>();
  let sweeper: NodeJS.Timeout | undefined;

  const sweep = () => {
    const at = now();
    for (const sessions of byUser.values()) {
      for (const session of sessions) if (session.viewer.tokenExpiresAt.getTime() <= at) session.close(CLOSE_FORBIDDEN, EXPIRED_REASON);
    }
  };

  return {
    /** Tracks the socket until remove (when it closes). */
    add(session: SocketSession): void {
      const userId = session.viewer.id;
      byUser.set(userId, [...(byUser.get(userId) ?? []), session]);
    },

    remove(session: SocketSession): void {
      const userId = session.viewer.id;
      const left = (byUser.get(userId) ?? []).filter((kept) => kept !== session);
      if (left.length > 0) byUser.set(userId, left);
      else byUser.delete(userId);
    },

    /** Extends the socket with a fresh access token of the same user; answers the new expiry. */
    renew(session: SocketSession, accessToken: string): Date {
      const access = tokens.verifyAccess(accessToken);
      if (access.userId !== session.viewer.id) {
        throw new AppError('FORBIDDEN', 'This access token belongs to another user: a socket can only be renewed by its own user.');
      }
      if (revocations.isRevoked(access)) throw new AppError('UNAUTHENTICATED', SIGNED_OUT_REASON);
      Object.assign(session.viewer, { email: access.email, sessionId: access.sessionId, tokenExpiresAt: access.expiresAt });
      return access.expiresAt;
    },

    /** Closes the sockets of signed-out logins (by login, or every login of a user). */
    closeRevoked(notice: { sessionIds?: string[]; userId?: string }): number {
      let closed = 0;
      const ids = new Set(notice.sessionIds ?? []);
      const candidates = notice.userId ? [byUser.get(notice.userId) ?? []] : byUser.values();
      for (const sessions of candidates) {
        for (const session of sessions) {
          if (notice.userId || (session.viewer.sessionId !== undefined && ids.has(session.viewer.sessionId))) {
            session.close(CLOSE_FORBIDDEN, SIGNED_OUT_REASON);
            closed += 1;
          }
        }
      }
      return closed;
    },

    start() {
      sweeper = setInterval(sweep, sweepEveryMs);
      sweeper.unref();
    },
    stop() {
      clearInterval(sweeper);
    },
    sweep,
    socketsOf: (userId: string) => byUser.get(userId)?.length ?? 0,
  };
}
