import type { PoolClient } from 'pg';
import { z } from 'zod';
import { AppError } from '../../errors.js';
import { nulMessage, withoutNul } from '../../validation.js';

export const MAX_TITLE_LENGTH = 100;

export const titleField = z
  .string()
  .trim()
  .min(1, 'title must not be empty')
  .max(MAX_TITLE_LENGTH, `title must be at most ${MAX_TITLE_LENGTH} characters`)
  .refine(withoutNul, nulMessage('title'));

export const userIdsField = (field: string) => z.array(z.uuid(`${field} must hold user ids`));

/** NOT_FOUND naming every id that is not a user. */
export async function assertUsersExist(client: PoolClient, userIds: readonly string[], field: string): Promise<void> {
  if (userIds.length === 0) return;
  const { rows } = await client.query<{ id: string }>('SELECT id FROM users WHERE id = ANY($1::uuid[])', [userIds]);
  const found = new Set(rows.map((r) => r.id));
  const unknown = userIds.filter((id) => !found.has(id));
  if (unknown.length > 0) {
    throw new AppError('NOT_FOUND', `No user with id ${unknown.join(', ')}.`, { field, userIds: unknown });
  }
}

export function assertGroupSize(count: number, max: number): void {
  if (count > max) {
    throw new AppError('BAD_USER_INPUT', `A group has at most ${max} members (GROUP_MAX_MEMBERS); this would make ${count}.`, {
      maxMembers: max,
    });
  }
}
