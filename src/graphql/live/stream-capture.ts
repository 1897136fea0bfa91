import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';

/**
 * Set on an operation's context by whoever wants the subscription's source stream itself (the live
 * delivery engine), rather than only the executor's mapped stream of results.
 */
export type StreamCapture = { stream?: unknown };

/**
 * Wraps every subscription field's subscribe resolver so that the stream it returns is also handed
 * to the context's `streamCapture`, when there is one. The executor wraps that stream (per-event
 * execution, error masking) and keeps no handle on it; this is the one place it can be reached.
 */
export function captureSubscriptionStreams(schema: GraphQLSchema): GraphQLSchema {
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    const subscribe = field.subscribe;
    if (!subscribe) continue;
    const capturing: GraphQLFieldResolver<unknown, { streamCapture?: StreamCapture }> = (root, args, context, info) => {
      const result: unknown = subscribe(root, args, context, info);
      const capture = context.streamCapture;
      if (!capture) return result;
      if (result instanceof Promise) return result.then((stream: unknown) => (capture.stream = stream));
      capture.stream = result;
      return result;
    };
    field.subscribe = capturing as typeof subscribe;
  }
  return schema;
}
