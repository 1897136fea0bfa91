import type { z } from 'zod';
import { AppError } from './errors.js';

/** Parses use-case input; the first problem becomes a BAD_USER_INPUT error naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join('.');
  throw new AppError('BAD_USER_INPUT', issue.message, field ? { field } : {});
}
