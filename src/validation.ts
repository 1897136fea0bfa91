import type { z } from 'zod';
import { AppError } from './errors.js';

/**
 * PostgreSQL cannot store a NUL character in text: such input would fail deep in a query (or, for a
 * message, in the worker) instead of being refused with a clear answer.
 */
export const withoutNul = (value: string) => !value.includes('\u0000');
export const nulMessage = (field: string) => `${field} must not contain the NUL character (\\u0000)`;

/** Throws BAD_USER_INPUT for a string PostgreSQL could not store (for arguments parsed without zod). */
export function assertStorable(value: string, field: string): void {
  if (!withoutNul(value)) throw new AppError('BAD_USER_INPUT', nulMessage(field), { field });
}

/** Parses use-case input; the first problem becomes a BAD_USER_INPUT error naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new AppError('BAD_USER_INPUT', issue.message, field ? { field } : {});
}
