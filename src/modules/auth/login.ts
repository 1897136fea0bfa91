import { z } from 'zod';
import { AppError } from '../../errors.js';
import { nulMessage, parseInput, withoutNul } from '../../validation.js';
import type { RateLimiter } from '../rate-limit/token-bucket.js';
import { dummyHash, MAX_PASSWORD_BYTES, verifyPassword } from './passwords.js';
import { issueSession, type AuthDeps, type AuthPayload } from './sessions.js';

const loginInput = z.object({
  email: z.string().trim().toLowerCase().min(1, 'email must not be empty').refine(withoutNul, nulMessage('email')),
  // bcrypt compares only the first 72 bytes: without this bound, the stored password plus any
  // suffix would log in. The check does not depend on the account, so it reveals nothing about it.
  password: z
    .string()
    .min(1, 'password must not be empty')
    .refine(withoutNul, nulMessage('password'))
    .refine((p) => Buffer.byteLength(p, 'utf8') <= MAX_PASSWORD_BYTES, `password must be at most ${MAX_PASSWORD_BYTES} bytes (UTF-8)`),
});

const invalid = () => new AppError('UNAUTHENTICATED', 'Invalid email or password.');

export function createLogin(deps: AuthDeps, attempts: RateLimiter) {
  const fallbackHash = dummyHash(deps.bcryptCost);
  /** Unknown email and wrong password answer alike, in the same time. */
  return async function login(raw: z.input<typeof loginInput>): Promise<AuthPayload> {
    const input = parseInput(loginInput, raw);
    // Per email, known or not, so guessing a password is slow and the limit reveals nothing.
    await attempts.take(input.email, 'login attempts for this email');
    const user = await deps.db.user.findUnique({ where: { email: input.email } });
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await fallbackHash()));
    if (!user || !ok) throw invalid();
    return issueSession(deps, user);
  };
}
