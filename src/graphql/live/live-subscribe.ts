import type { ExecutionArgs } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { WebSocket } from 'ws';
import { directConsumptionOf } from '../../modules/realtime/push-iterator.js';
import type { LiveSubscription, createLiveDelivery } from './live-delivery.js';
import type { StreamCapture } from './stream-capture.js';

type Subscribe = (args: ExecutionArgs) => OperationResult;

/**
 * Runs a subscription through yoga's envelop as usual (auth, the subscribe resolver, masking of
 * its errors), then hands its source stream to the live delivery engine, which writes its events
 * to the socket itself, once the caller has stored the record it returns and started it. What the
 * subscribe gave is returned as it is when the engine cannot take it: a result (an error), or a
 * stream that is not a push iterator.
 */
export async function subscribeLive(
  engine: ReturnType<typeof createLiveDelivery>,
  subscribe: Subscribe,
  args: ExecutionArgs,
  target: { socket: WebSocket; id: string; owner: unknown },
): Promise<LiveSubscription | Awaited<OperationResult>> {
  const context = args.contextValue as { streamCapture?: StreamCapture };
  const capture: StreamCapture = {};
  context.streamCapture = capture;
  const result = await subscribe(args);
  context.streamCapture = undefined;
  const source = directConsumptionOf(capture.stream);
  if (!source || !isAsyncIterable(result)) return result;
  // The executor's stream of results (a chain of iterator wrappers) is not kept: the engine
  // replaces it, and its failure is reported as that chain would report it.
  const live = engine.add({
    ...target,
    source,
    schema: args.schema,
    document: args.document,
    operationName: args.operationName,
    variableValues: args.variableValues,
    contextValue: args.contextValue as object,
  });
  // Pothos's per-operation caches (scope-auth's is five Maps) would live as long as the
  // subscription, for nothing: an execution builds what it needs again.
  RequestCache.clearForContext(args.contextValue as object);
  return live;
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}
