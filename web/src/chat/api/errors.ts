// Errors as a person should read them: the server's message, prefixed by what kind of failure
// its extensions.code says it is. A network failure says so plainly.
import type { CombinedError } from '@urql/core';
import { GraphQLRequestError } from './graphql-request';

const KINDS: Record<string, string> = {
  BAD_USER_INPUT: 'Check your input',
  UNAUTHENTICATED: 'Not logged in',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Already taken',
  RATE_LIMITED: 'Too many requests',
  UNAVAILABLE: 'Server busy',
};

export type ErrorInfo = { code: string | undefined; message: string; field?: string };

export function errorInfo(error: CombinedError | GraphQLRequestError | unknown): ErrorInfo {
  if (error instanceof GraphQLRequestError) {
    const first = error.errors[0];
    return { code: first?.extensions?.code, message: first?.message ?? error.message, field: first?.extensions?.field };
  }
  const combined = error as Partial<CombinedError> | undefined;
  const first = combined?.graphQLErrors?.[0];
  if (first) {
    const extensions = first.extensions as { code?: string; field?: string };
    return { code: extensions.code, message: first.message, field: extensions.field };
  }
  if (combined?.networkError) return { code: 'NETWORK', message: 'Cannot reach the server. Check your connection.' };
  return { code: undefined, message: error instanceof Error ? error.message : String(error) };
}

/** "Already taken: the username is taken" and the like. */
export function describeError(error: unknown): string {
  const info = errorInfo(error);
  const kind = info.code ? KINDS[info.code] : undefined;
  return kind ? `${kind}: ${info.message}` : info.message;
}
