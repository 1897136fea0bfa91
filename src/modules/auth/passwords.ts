import bcrypt from 'bcrypt';

/** bcrypt reads at most 72 bytes; longer passwords are rejected upstream, never truncated. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;

const tooLong = (password: string) => Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES;

export const hashPassword = async (password: string, cost: number): Promise<string> => {
  if (tooLong(password)) throw new RangeError(`password over ${MAX_PASSWORD_BYTES} bytes: validate input first`);
  return bcrypt.hash(password, cost);
};

/** False for a password over 72 bytes: bcrypt would compare only its first 72 and could match. */
export const verifyPassword = async (password: string, hash: string): Promise<boolean> =>
  !tooLong(password) && bcrypt.compare(password, hash);

/**
 * A hash to compare against when the email is unknown, so that answering "wrong password" and
 * "no such user" takes the same time. Built lazily at the configured cost.
 */
export function dummyHash(cost: number): () => Promise<string> {
  let hash: Promise<string> | undefined;
  return () => (hash ??= bcrypt.hash('not-a-real-password', cost));
}
