import bcrypt from 'bcrypt';

/** bcrypt reads at most 72 bytes; longer passwords are rejected upstream, never truncated. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;

export const hashPassword = (password: string, cost: number): Promise<string> => bcrypt.hash(password, cost);

export const verifyPassword = (password: string, hash: string): Promise<boolean> => bcrypt.compare(password, hash);

/**
 * A hash to compare against when the email is unknown, so that answering "wrong password" and
 * "no such user" takes the same time. Built lazily at the configured cost.
 */
export function dummyHash(cost: number): () => Promise<string> {
  let hash: Promise<string> | undefined;
  return () => (hash ??= bcrypt.hash('not-a-real-password', cost));
}
