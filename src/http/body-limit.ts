import type { IncomingMessage, ServerResponse } from 'node:http';

/** 1 MiB: a GraphQL request is a query and its variables; a message is at most 4000 characters. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Answers 413 for a request that announces a body over the limit, before anything reads it, and
 * returns true; yoga would otherwise buffer whatever it is sent.
 */
export function rejectOversizedBody(req: IncomingMessage, res: ServerResponse, maxBytes = MAX_BODY_BYTES): boolean {
  const length = Number(req.headers['content-length'] ?? 0);
  if (!(length > maxBytes)) return false;
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
  res.end(
    JSON.stringify({
      errors: [{ message: `The request body is ${length} bytes; the limit is ${maxBytes} bytes.`, extensions: { code: 'BAD_USER_INPUT' } }],
    }),
  );
  return true;
}
