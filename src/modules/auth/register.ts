import { newId } from '../../infra/ids.js';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { parseInput } from '../../validation.js';
import { emailField, passwordField, usernameField } from './credentials.js';
import { hashPassword } from './passwords.js';
import { issueSession, type AuthDeps, type AuthPayload } from './sessions.js';

const registerInput = z.object({ email: emailField, username: usernameField, password: passwordField });

export async function register(deps: AuthDeps, raw: z.input<typeof registerInput>): Promise<AuthPayload> {
  const input = parseInput(registerInput, raw);
  await assertAvailable(deps, input.email, input.username);
  const passwordHash = await hashPassword(input.password, deps.bcryptCost);
  let user;
  try {
    user = await deps.db.user.create({
      // Time-ordered (UUIDv7), as messages and conversations: indexes led by a user id grow at one edge.
      data: { id: newId(), email: input.email, username: input.username, usernameKey: input.username.toLowerCase(), passwordHash },
    });
  } catch (error) {
    // Lost a race with a concurrent registration: say which field, as the pre-check would have.
    if ((error as { code?: string }).code === 'P2002') await assertAvailable(deps, input.email, input.username);
    throw error;
  }
  return issueSession(deps, user);
}

async function assertAvailable(deps: AuthDeps, email: string, username: string) {
  const taken = await deps.db.user.findFirst({
    where: { OR: [{ email }, { usernameKey: username.toLowerCase() }] },
    select: { email: true },
  });
  if (!taken) return;
  if (taken.email === email)
    throw new AppError('CONFLICT', 'An account with this email already exists: log in instead.', { field: 'email' });
  throw new AppError('CONFLICT', `The username "${username}" is taken: choose another.`, { field: 'username' });
}
