import { z } from 'zod';
import { AppError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { dummyHash, verifyPassword } from './passwords.js';
import { issueSession, type AuthDeps, type AuthPayload } from './sessions.js';

const loginInput = z.object({
  email: z.string().trim().toLowerCase().min(1, 'email must not be empty'),
  password: z.string().min(1, 'password must not be empty'),
});

const invalid = () => new AppError('UNAUTHENTICATED', 'Invalid email or password.');

export function createLogin(deps: AuthDeps) {
  const fallbackHash = dummyHash(deps.bcryptCost);
  /** Unknown email and wrong password answer alike, in the same time. */
  return async function login(raw: z.input<typeof loginInput>): Promise<AuthPayload> {
    const input = parseInput(loginInput, raw);
    const user = await deps.db.user.findUnique({ where: { email: input.email } });
    const ok = await verifyPassword(input.password, user?.passwordHash ?? (await fallbackHash()));
    if (!user || !ok) throw invalid();
    return issueSession(deps, user);
  };
}
