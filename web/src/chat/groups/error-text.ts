// What a person reads when a group or file operation fails. The server's codes (README, "Errors")
// say what kind of failure it was; its BAD_USER_INPUT and NOT_FOUND messages are written for people
// already, so they are shown as they are. Everything else gets a sentence about what to do next.
import type { CombinedError } from '@urql/core';

/** What the caller was doing, so a FORBIDDEN reads as the rule that refused it. */
export type ErrorContext = {
  /** e.g. "Only a group admin can remove members." */
  forbidden?: string;
};

export function errorText(error: CombinedError | Error | undefined, context: ErrorContext = {}): string {
  if (!error) return '';
  const graphQLError = 'graphQLErrors' in error ? error.graphQLErrors[0] : undefined;
  if (graphQLError) {
    const extensions = graphQLError.extensions as { code?: string; retryAfterMs?: number };
    switch (extensions.code) {
      case 'FORBIDDEN':
        return context.forbidden ?? 'You are not allowed to do that here (not a member of this conversation, or not its admin).';
      case 'UNAUTHENTICATED':
        return 'Your session has ended: log in again.';
      case 'RATE_LIMITED': {
        const seconds = Math.max(1, Math.ceil((extensions.retryAfterMs ?? 1000) / 1000));
        return `Too many requests: try again in ${seconds} s.`;
      }
      case 'UNAVAILABLE':
        return 'The server is busy or restarting: try again in a moment.';
      case 'INTERNAL_SERVER_ERROR':
        return 'Something went wrong on the server: try again.';
      default:
        // BAD_USER_INPUT, NOT_FOUND, CONFLICT: the server's message says what was wrong.
        return graphQLError.message;
    }
  }
  if ('networkError' in error && error.networkError) return 'Cannot reach the server: check your connection and try again.';
  return error.message;
}
