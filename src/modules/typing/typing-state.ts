import type { Pool } from 'pg';
import { AppError } from '../../errors.js';
import type { Logger } from '../../infra/logger.js';
import type { Bus, Topics } from '../realtime/bus.js';
import { encodeTyping, type TypingLiveEvent } from './typing-event.js';

export const TYPING_LAPSE_MS = 6000;
export const TYPING_THROTTLE_MS = 2000;

type Typist = { lastSent: number; lapse: NodeJS.Timeout };

export type TypingState = ReturnType<typeof createTypingState>;

/**
 * Who is typing where, on this instance. A `typing: true` is sent at most once per member and
 * conversation every TYPING_THROTTLE_MS (keystrokes in between only push the lapse back); a
 * `typing: true` lapses TYPING_LAPSE_MS after the last one, and watchers then get `typing: false`.
 * Nothing is stored. At most `maxTypists` are tracked; past that, setTyping answers RATE_LIMITED.
 */
export function createTypingState({
  pool,
  bus,
  topics,
  logger,
  maxTypists = 100_000,
  now = Date.now,
}: {
  pool: Pick<Pool, 'query'>;
  bus: Bus;
  topics: Topics;
  logger: Logger;
  maxTypists?: number;
  now?: () => number;
}) {
  const typists = new Map<string, Typist>();

  const publish = async (userId: string, conversationId: string, typing: boolean, at: number) => {
    const [members, users] = await Promise.all([
      pool.query<{ user_id: string }>('SELECT user_id FROM conversation_members WHERE conversation_id = $1', [conversationId]),
      pool.query<{ id: string; username: string; created_at: Date }>('SELECT id, username, created_at FROM users WHERE id = $1', [userId]),
    ]);
    const user = users.rows[0];
    if (!user) return;
    const event: TypingLiveEvent = {
      kind: 'typing',
      conversationId,
      user: { id: user.id, username: user.username, createdAt: user.created_at },
      typing,
      expiresAt: typing ? at + TYPING_LAPSE_MS : null,
      // Not the typist's own devices.
      recipients: members.rows.map((m) => m.user_id).filter((id) => id !== userId),
    };
    if (event.recipients.length > 0) await bus.publish([topics.typing], encodeTyping(event));
  };

  const stop = (key: string, userId: string, conversationId: string) => {
    const typist = typists.get(key);
    if (!typist) return;
    clearTimeout(typist.lapse);
    typists.delete(key);
    publish(userId, conversationId, false, now()).catch((error) => logger.warn({ err: error }, 'could not send typing: false'));
  };

  return {
    /** The caller has checked membership. Resolves once the event (if any) is published. */
    async set(userId: string, conversationId: string, typing: boolean): Promise<void> {
      const key = `${userId}:${conversationId}`;
      const current = typists.get(key);
      if (!typing) return stop(key, userId, conversationId);
      const at = now();
      if (!current && typists.size >= maxTypists) {
        throw new AppError('RATE_LIMITED', 'Too many people are typing on this server right now: retry in a few seconds.', {
          retryAfterMs: TYPING_THROTTLE_MS,
        });
      }
      const typist = current ?? { lastSent: 0, lapse: undefined as unknown as NodeJS.Timeout };
      clearTimeout(typist.lapse);
      typist.lapse = setTimeout(() => stop(key, userId, conversationId), TYPING_LAPSE_MS);
      typist.lapse.unref();
      typists.set(key, typist);
      if (at - typist.lastSent < TYPING_THROTTLE_MS) return;
      typist.lastSent = at;
      await publish(userId, conversationId, true, at);
    },
    get typists() {
      return typists.size;
    },
    stopAll() {
      for (const typist of typists.values()) clearTimeout(typist.lapse);
      typists.clear();
    },
  };
}
