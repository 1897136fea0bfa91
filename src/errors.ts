// Expected failures, typed by code. Use cases throw these; the GraphQL layer turns them into
// errors with `extensions.code`. Anything else is unexpected: masked for the client, logged.

export type ErrorCode = 'BAD_USER_INPUT' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND' | 'CONFLICT' | 'RATE_LIMITED' | 'UNAVAILABLE';

export class AppError extends Error {
  override name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra machine-readable details for the client (e.g. which field, retry hints). */
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
