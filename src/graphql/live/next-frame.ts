import type { ExecutionResult, GraphQLError } from 'graphql';

/**
 * graphql-ws's `next` message, split where it differs between subscribers: `{"id":<id>,"type":"next","payload":`
 * is each subscription's own (made once), the payload and the closing brace are shared by every
 * subscriber the same result goes to (encoded once). Together they are byte for byte what
 * graphql-ws sends: JSON.stringify of `{ id, type, payload }`, its payload being the result
 * without `errors`, then `errors` (each `toJSON()`) when there are any.
 */
export function nextFramePrefix(id: string): string {
  // join makes one flat string; a template literal would be kept as a tree of string pieces, which
  // costs a subscription ~100 bytes more for as long as it lives.
  return ['{"id":', JSON.stringify(id), ',"type":"next","payload":'].join('');
}

export function nextFramePayload(result: ExecutionResult): Buffer {
  return Buffer.from(`${nextPayloadJson(result)}}`);
}

/** The whole `next` message for one operation (a query's or mutation's answer). */
export function nextMessage(id: string, result: ExecutionResult): string {
  return `${nextFramePrefix(id)}${nextPayloadJson(result)}}`;
}

function nextPayloadJson(result: ExecutionResult): string {
  const { errors, ...withoutErrors } = result;
  const payload = errors ? { ...withoutErrors, errors: errors.map((error: GraphQLError) => error.toJSON()) } : withoutErrors;
  return JSON.stringify(payload);
}
