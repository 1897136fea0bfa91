import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import type { OperationResult } from 'graphql-ws';
import { RequestCache } from '@pothos/plugin-scope-auth';
import type { WebSocket } from 'ws';
import { directConsumptionOf } from '../../modules/realtime/push-iterator.js';
import type { LiveSubscription, createLiveDelivery } from './live-delivery.js';
import type { StreamCapture } from './stream-capture.js';

type Subscribe = (args: ExecutionArgs) => OperationResult;
type MaskError = (error: GraphQLError, message: string) => Error;

/**
 * A graphql-ws subscribe that runs the operation through yoga's envelop as usual (auth, the
 * subscribe resolver, masking of its errors), then hands the source stream to the live delivery
 * engine, which writes its events to the socket itself. graphql-ws gets a stand-in iterator that
 * yields nothing while the engine has the subscription, so it still tracks the id, completes it
 * and returns it when the socket closes. A stream the engine cannot take (not a push iterator)
 * stays with graphql-ws.
 */
export function liveSubscribe(
  engine: ReturnType<typeof createLiveDelivery>,
  subscribe: Subscribe,
  maskError: MaskError,
  socket: WebSocket,
  id: string,
): Subscribe {
  return async (args) => {
    const capture: StreamCapture = {};
    (args.contextValue as { streamCapture?: StreamCapture }).streamCapture = capture;
    const result = await subscribe(args);
    const source = directConsumptionOf(capture.stream);
    const operation = getOperationAST(args.document, args.operationName);
    if (!source || !operation || !isAsyncIterable(result)) return result;
    // The executor's stream of results (a chain of iterator wrappers) is not kept: the engine
    // replaces it, and a failure is reported below exactly as that chain would report it.
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
    // Pothos's per-operation caches (scope-auth's is five Maps) would live as long as the
    // subscription, for nothing: an execution builds what it needs again.
    RequestCache.clearForContext(args.contextValue as object);
    // graphql-ws keeps these arguments while the subscription runs; the root (this operation's
    // enveloped execute and subscribe) is not needed again.
    (args as { rootValue?: unknown }).rootValue = undefined;
    return new StandIn(live, capture.stream as AsyncIterator<unknown>, operation, maskError);
  };
}

/** What graphql-ws iterates while the engine writes the events: it only ever ends or fails. */
class StandIn implements AsyncGenerator<ExecutionResult> {
  constructor(
    private readonly live: LiveSubscription,
    private readonly stream: AsyncIterator<unknown>,
    private readonly operation: OperationDefinitionNode,
    private readonly maskError: MaskError,
  ) {}

  /**
   * Once the engine hands the subscription back, nothing is left in the stream but its end or its
   * failure. A failure is wrapped as the executor wraps a stream's error (on the operation's
   * node), then masked as envelop masks it, so graphql-ws sends the same error frame as before.
   */
  async next(): Promise<IteratorResult<ExecutionResult>> {
    await this.live.released;
    try {
      await this.stream.next();
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      throw this.maskError(new GraphQLError(cause.message, { originalError: cause, nodes: [this.operation] }), 'Unexpected error.');
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.live.remove();
    await this.stream.return?.();
    return { value: undefined, done: true };
  }

  throw(): Promise<IteratorResult<ExecutionResult>> {
    return this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  async [Symbol.asyncDispose]() {
    await this.return();
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<ExecutionResult> {
  return typeof (value as AsyncIterable<unknown> | null)?.[Symbol.asyncIterator] === 'function';
}
