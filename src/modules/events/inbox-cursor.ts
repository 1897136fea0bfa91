import { createHash } from 'node:crypto';
import { AppError } from '../../errors.js';

// A cursor is one event position, tagged with its user so that one user's cursor cannot be taken
// for another's by mistake (it reveals nothing: positions are global, and the tag is a hash).
const tag = (userId: string) => createHash('sha256').update(userId).digest('base64url').slice(0, 10);

export const encodeInboxCursor = (userId: string, pos: number): string => Buffer.from(`${pos}.${tag(userId)}`).toString('base64url');

/** The position of a cursor; BAD_USER_INPUT for a malformed one or another user's. */
export function decodeInboxCursor(cursor: string, userId: string): number {
  const match = /^(\d{1,16})\.([\w-]{10})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match)
    throw new AppError('BAD_USER_INPUT', 'Invalid cursor: use the cursor of an event you received, or an endCursor.', { field: 'after' });
  if (match[2] !== tag(userId)) {
    throw new AppError('BAD_USER_INPUT', 'This cursor belongs to another user: use one your own inbox gave you.', { field: 'after' });
  }
  return Number(match[1]);
}
