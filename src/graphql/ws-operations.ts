import { GraphQLError, getOperationAST, type ExecutionArgs, type ExecutionResult, type OperationDefinitionNode } from 'graphql';
import { CloseCode, type Context, type OperationResult, type SubscribeMessage, type SubscribePayload } from 'graphql-ws';
import type { WebSocket } from 'ws';
import { LiveSubscription, type createLiveDelivery } from './live/live-delivery.js';
import { isAsyncIterable, subscribeLive } from './live/live-subscribe.js';
import { nextMessage } from './live/next-frame.js';

type Execute = (args: ExecutionArgs) => OperationResult;
type Subscriptions = Record<string, unknown>;

/** An operation ready to run: its arguments, the operation they select (if one), and the enveloped execute and subscribe that run it. */
export type PreparedOperation = {
  args: ExecutionArgs;
  operation: OperationDefinitionNode | null | undefined;
  execute: Execute;
  subscribe: Execute;
};

/** What the operations need of a socket (GraphqlWsConnection). */
export type OperationSocket = {
  readonly socket: WebSocket;
  /** graphql-ws's context for this socket, from connection_init on. */
  ctx?: Context<Record<string, unknown> | undefined, unknown>;
  send(text: string): void;
  close(code: number, reason: string): void;
};

export type OperationHooks = {
  /** Parses, validates and builds the context; errors to send instead, as graphql-ws's onSubscribe returns them. */
  prepare(
    ctx: OperationSocket['ctx'] & object,
    id: string,
    payload: SubscribePayload,
  ): Promise<readonly GraphQLError[] | PreparedOperation>;
  /** graphql-ws's onError: the errors as the client is to see them. */
  onError(ctx: OperationSocket['ctx'] & object, id: string, errors: readonly GraphQLError[]): readonly GraphQLError[];
  /** graphql-ws's onComplete: the operation is over (whether or not the client is told). */
  onComplete(ctx: OperationSocket['ctx'] & object, id: string): void;
  /** yoga's masking, as envelop applies it to a subscription stream's failure. */
  maskError(error: GraphQLError, message: string): Error;
};

/**
 * graphql-ws's handling of `subscribe` messages, for every kind of operation, without its
 * per-operation machinery: a live subscription is one small record (the engine's), held in
 * graphql-ws's own table of operations, so graphql-ws still completes it when the client says so
 * and ends it when the socket closes. Everything else (connection_init, ping, complete, bad
 * messages) stays with graphql-ws. The frames, their order and the hooks' calls are graphql-ws's
 * (server.ts of graphql-ws 6), byte for byte; the corpus test compares the two.
 */
export function createOperations(live: ReturnType<typeof createLiveDelivery>, hooks: OperationHooks) {
  const sendNext = (conn: OperationSocket, id: string, result: ExecutionResult) => {
    conn.send(nextMessage(id, result));
  };
  const sendErrors = (conn: OperationSocket, id: string, errors: readonly GraphQLError[]) => {
    conn.send(JSON.stringify({ id, type: 'error', payload: hooks.onError(conn.ctx!, id, errors) }));
  };
  const complete = (conn: OperationSocket, id: string, notifyClient: boolean) => {
    hooks.onComplete(conn.ctx!, id);
    if (notifyClient) conn.send(`{"id":${JSON.stringify(id)},"type":"complete"}`);
  };
  /** graphql-ws wraps a stream's failure in a GraphQLError of its own before its onError sees it. */
  const streamFailure = (error: unknown) => {
    const originalError = error instanceof Error ? error : new Error(String(error));
    return new GraphQLError(originalError.message, { originalError });
  };

  /** A stream the engine did not take: graphql-ws's own loop, one execution per event. */
  const drain = async (conn: OperationSocket, table: () => Subscriptions, id: string, stream: AsyncIterable<ExecutionResult>) => {
    table()[id] = stream;
    try {
      for await (const result of stream) sendNext(conn, id, result);
    } catch (error) {
      sendErrors(conn, id, [streamFailure(error)]);
      delete table()[id];
    }
  };

  return {
    async subscribe(conn: OperationSocket, message: SubscribeMessage): Promise<void> {
      const ctx = conn.ctx!;
      // Read afresh at every step, as graphql-ws does: when the socket closes, graphql-ws ends what
      // the table holds and replaces it, and an operation still being set up must see that.
      const table = () => ctx.subscriptions as Subscriptions;
      const { id, payload } = message;
      if (id in table()) return conn.close(CloseCode.SubscriberAlreadyExists, `Subscriber for ${id} already exists`);
      table()[id] = null;
      let kept = false;
      try {
        const prepared = await hooks.prepare(ctx, id, payload);
        if (Array.isArray(prepared)) {
          if (id in table()) sendErrors(conn, id, prepared);
          return;
        }
        const { args, operation, execute, subscribe } = prepared as PreparedOperation;
        if (!operation) {
          if (id in table()) sendErrors(conn, id, [new GraphQLError('Unable to identify operation')]);
          return;
        }
        const result =
          operation.operation === 'subscription'
            ? await subscribeLive(live, subscribe, args, { socket: conn.socket, id, owner: conn })
            : await execute(args);
        if (result instanceof LiveSubscription) {
          if (id in table()) {
            table()[id] = result;
            kept = true;
            live.start(result);
            return;
          }
          await result.return();
        } else if (isAsyncIterable(result)) {
          if (id in table()) await drain(conn, table, id, result as AsyncIterable<ExecutionResult>);
          else await (result as AsyncGenerator).return?.(undefined);
        } else if (id in table()) {
          sendNext(conn, id, result as ExecutionResult);
        }
        complete(conn, id, id in table());
      } finally {
        if (!kept) delete table()[id];
      }
    },

    /**
     * The engine handed a subscription back: its stream ended (complete) or failed (an error, as
     * graphql-ws reports a stream's failure: wrapped on the operation, masked, wrapped again).
     */
    released(subscription: LiveSubscription): void {
      const conn = subscription.owner as OperationSocket;
      const { id } = subscription;
      // Still its operation, in the table as it is now: else the client completed it, or the socket closed.
      const current = () => (conn.ctx?.subscriptions as Subscriptions | undefined)?.[id] === subscription;
      if (!current()) return;
      subscription.stream.next().then(
        () => {
          if (!current()) return;
          complete(conn, id, true);
          delete (conn.ctx!.subscriptions as Subscriptions)[id];
        },
        (error: unknown) => {
          if (!current()) return;
          const cause = error instanceof Error ? error : new Error(String(error));
          const operation = getOperationAST(subscription.document, subscription.operationName);
          const thrown = hooks.maskError(
            new GraphQLError(cause.message, { originalError: cause, nodes: operation ? [operation] : undefined }),
            'Unexpected error.',
          );
          sendErrors(conn, id, [streamFailure(thrown)]);
          delete (conn.ctx!.subscriptions as Subscriptions)[id];
          complete(conn, id, false);
        },
      );
    },
  };
}
