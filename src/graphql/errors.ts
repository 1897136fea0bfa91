import { GraphQLError } from 'graphql';
import { PothosValidationError } from '@pothos/core';
import { isAppError } from '../errors.js';
import { isTransientError } from '../infra/transient-errors.js';

/**
 * Error masking for yoga and graphql-ws: expected errors (AppError, Pothos argument validation,
 * GraphQL's own) reach the client with `extensions.code`; anything else becomes "Unexpected error."
 * An expected error is returned as the same object (annotated), which also tells yoga not to log
 * it; a masked one is a new object, which yoga logs with its stack.
 */
export function maskError(error: unknown, message: string): Error {
  const graphqlError = error instanceof GraphQLError ? error : undefined;
  const original = graphqlError?.originalError ?? error;
  if (isAppError(original) || original instanceof PothosValidationError) {
    const extensions = isAppError(original) ? { ...original.details, code: original.code } : { code: 'BAD_USER_INPUT' };
    if (!graphqlError) return new GraphQLError(original.message, { extensions });
    Object.assign(graphqlError.extensions as Record<string, unknown>, extensions);
    return graphqlError;
  }
  if (isTransientError(original)) {
    // Still logged by yoga (a new object): an outage is worth knowing about.
    return new GraphQLError('The service is temporarily unavailable (the database cannot be reached). Retry shortly.', {
      nodes: graphqlError?.nodes,
      path: graphqlError?.path,
      extensions: { code: 'UNAVAILABLE', retryable: true },
    });
  }
  if (graphqlError && !graphqlError.originalError) return graphqlError;
  if (graphqlError?.originalError instanceof GraphQLError) return graphqlError.originalError;
  return new GraphQLError(message, { nodes: graphqlError?.nodes, path: graphqlError?.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
}
