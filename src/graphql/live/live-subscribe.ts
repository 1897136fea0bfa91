import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { directConsumptionOf } from '../../modules/realtime/push-iterator.js';
import type { createLiveDelivery } from './live-delivery.js';
import type { StreamCapture } from './stream-capture.js';

type Subscribe = (args: ExecutionArgs) => OperationResult;

/**
 * A graphql-ws subscribe that runs the operation through yoga's envelop as usual (auth, the
 * subscribe resolver, masking of its errors), then hands the source stream to the live delivery
 * engine, which writes its events to the socket itself. graphql-ws gets a stand-in iterator that
 * yields nothing while the engine has the subscription, so it still tracks the id, completes it
 * and returns it when the socket closes; once the engine hands it back (the stream failed or
 * ended), the stand-in reads the executor's own stream, and graphql-ws reports the error as always.
 * A stream the engine cannot take (not a push iterator) stays with graphql-ws.
 */
export function liveSubscribe(
  engine: ReturnType<typeof createLiveDelivery>,
  subscribe: Subscribe,
  socket: WebSocket,
  id: string,
): Subscribe {
  return async (args) => {
    const capture: StreamCapture = {};
    (args.contextValue as { streamCapture?: StreamCapture }).streamCapture = capture;
    const result = await subscribe(args);
    const source = directConsumptionOf(capture.stream);
    if (!source || !isAsyncIterable(result)) return result;
    const results = result[Symbol.asyncIterator]();
    const live = engine.add({
      socket,
      id,
      source,
      schema: args.schema,
      document: args.document,
      operationName: args.operationName,
      variableValues: args.variableValues,
      contextValue: args.contextValue as object,
    });
    const stream = capture.stream as AsyncIterator<unknown>;
    const standIn: AsyncGenerator<ExecutionResult> = {
      next: () => live.released.then(() => results.next()),
      async return() {
        live.remove();
        await stream.return?.();
        return (await results.return?.()) ?? { value: undefined, done: true };
      },
      async throw(error: unknown) {
        live.remove();
        await stream.return?.();
        return (await results.throw?.(error)) ?? { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return standIn;
  };
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}
