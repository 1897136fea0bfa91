import { execute } from '@graphql-tools/executor';
import type { DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import type { WebSocket } from 'ws';
import type { Logger } from '../../infra/logger.js';
import type { Metrics } from '../../infra/metrics.js';
import type { DirectConsumption } from '../../modules/realtime/push-iterator.js';
import { cohortKey } from './cohort-key.js';
import { readsPerOperationContext } from './context-reads.js';
import { nextFramePayload, nextFramePrefix } from './next-frame.js';
import { TickCorkedWebSocket, textFrame } from '../tick-corked-websocket.js';

export type LiveDeliveryOptions = {
  /** yoga's error masking (it also logs what it masks), as the executor's results get it. */
  maskError: (error: GraphQLError, message: string) => Error;
  metrics: Metrics;
  logger: Logger;
  /**
   * A socket with this much unsent data takes no more events until it has written them out; they
   * wait in their subscription's bounded queue meanwhile, as they would for graphql-ws.
   */
  highWaterMarkBytes?: number;
  /**
   * The engine hands a subscription back: its source failed or ended and every value before that
   * was written. Its stream's next read says how.
   */
  onReleased: (subscription: LiveSubscription) => void;
};

export type LiveSubscriptionInput = {
  socket: WebSocket;
  id: string;
  /** Whatever the caller needs again when the subscription is handed back (its connection). */
  owner: unknown;
  source: DirectConsumption<unknown>;
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null | undefined;
  variableValues: Record<string, unknown> | null | undefined;
  contextValue: object;
};

/**
 * One live subscription: a small record, with no context chain, iterator wrapper or closure of
 * its own (a socket's memory is mostly its subscriptions). It is also what graphql-ws keeps for
 * the operation id: graphql-ws calls `return()` when the client completes it or the socket closes.
 */
export class LiveSubscription {
  /** Its own start of every `next` frame (a string: a Buffer object per subscription costs more). */
  readonly prefix: string;
  readonly key: string;
  /** Waiting for an asynchronous execution: later values wait behind it, in order. */
  busy = false;
  scheduled = false;
  removed = false;
  readonly socket: WebSocket;
  readonly id: string;
  readonly owner: unknown;
  readonly source: DirectConsumption<unknown>;
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  readonly operationName: string | null | undefined;
  readonly variableValues: Record<string, unknown> | null | undefined;
  readonly contextValue: object;

  constructor(
    input: LiveSubscriptionInput,
    readonly lane: Lane,
    private readonly engine: Engine,
  ) {
    this.socket = input.socket;
    this.id = input.id;
    this.owner = input.owner;
    this.source = input.source;
    this.schema = input.schema;
    this.document = input.document;
    this.operationName = input.operationName;
    this.variableValues = input.variableValues;
    this.contextValue = input.contextValue;
    this.prefix = nextFramePrefix(input.id);
    this.key = cohortKey(input.document, input.operationName, input.variableValues);
  }

  /** The source stream itself: once handed back, its next read says how it ended. */
  get stream(): AsyncIterator<unknown> {
    return this.source as unknown as AsyncIterator<unknown>;
  }

  /** Stops writing and ends the source (the client completed it, or the socket closed). */
  async return(): Promise<IteratorResult<never>> {
    this.removed = true;
    this.source.detach();
    this.lane.waiting?.delete(this);
    await this.stream.return?.();
    return { value: undefined, done: true };
  }

  throw(): Promise<IteratorResult<never>> {
    return this.return();
  }

  [Symbol.asyncIterator]() {
    return this;
  }

  /** A value was pushed to the source, or it failed: the engine takes it in this tick's pass. */
  notify(): void {
    this.engine.schedule(this);
  }

  /** Called by the engine only: the source is finished and everything before its end is written. */
  release(): void {
    if (this.removed) return;
    this.removed = true;
    this.source.detach();
    this.engine.onReleased(this);
  }
}

type Engine = { onReleased(subscription: LiveSubscription): void; schedule(subscription: LiveSubscription): void };
type Subscription = LiveSubscription;

/** One per socket: whether it can take more now. */
type Lane = { blocked: boolean; waiting: Set<Subscription> | undefined };

type Encoded = { bytes: Buffer; perOperation: boolean };
type MaybePromise<T> = T | Promise<T>;

const SEND_TEXT = { binary: false } as const;

/**
 * Writes subscription events to graphql-ws sockets without graphql-ws's per-subscriber work: the
 * subscribers an event reaches in one tick that share a document, operation and variables form a
 * cohort, the event is executed once for the cohort (as the executor would for each of them) and
 * encoded once, and each subscriber gets the same bytes behind its own `{"id":...}` prefix. A
 * result that read anything of its operation's own context (the viewer, the socket, the origin) is
 * not shared: each subscriber of that cohort gets its own execution, as before.
 *
 * Values come from the subscriptions' push iterators (their queues, bounds and failures are
 * unchanged); a failed or ended one is handed back to graphql-ws, which reports it as always.
 */
export function createLiveDelivery(options: LiveDeliveryOptions) {
  const { maskError, metrics, logger, highWaterMarkBytes = 64 * 1024 } = options;
  const engine: Engine = { onReleased: options.onReleased, schedule: (sub) => schedule(sub) };
  const log = logger.child({ component: 'live-delivery' });
  const lanes = new WeakMap<WebSocket, Lane>();
  let scheduled: Subscription[] = [];

  const laneOf = (socket: WebSocket): Lane => {
    let lane = lanes.get(socket);
    if (!lane) lanes.set(socket, (lane = { blocked: false, waiting: undefined }));
    return lane;
  };

  const schedule = (sub: Subscription) => {
    if (sub.scheduled || sub.removed) return;
    sub.scheduled = true;
    if (scheduled.push(sub) === 1) queueMicrotask(flush);
  };

  /** Everything pushed in one tick is written in one pass, so an event shared by many executes once. */
  const flush = () => {
    const subs = scheduled;
    scheduled = [];
    const cohorts: Cohorts = new Map();
    for (const sub of subs) {
      sub.scheduled = false;
      pump(sub, cohorts);
    }
  };

  const pump = (sub: Subscription, cohorts: Cohorts | undefined) => {
    const { source, lane } = sub;
    while (!sub.busy && !sub.removed) {
      if (source.size === 0) {
        if (source.finished) sub.release();
        return;
      }
      if (lane.blocked) {
        (lane.waiting ??= new Set()).add(sub);
        return;
      }
      let encoded: MaybePromise<Buffer>;
      try {
        encoded = encodeFor(sub, source.take(), cohorts);
      } catch (error) {
        return failed(sub, error);
      }
      if (encoded instanceof Promise) {
        sub.busy = true;
        encoded.then(
          (bytes) => {
            sub.busy = false;
            write(sub, bytes);
            pump(sub, undefined);
          },
          (error: unknown) => failed(sub, error),
        );
        return;
      }
      write(sub, encoded);
    }
  };

  const write = (sub: Subscription, payload: Buffer) => {
    const { socket, lane, prefix } = sub;
    if (sub.removed || socket.readyState !== socket.OPEN) return; // its subscriptions end with it
    metrics.liveFrames.inc();
    // The whole frame, header included, in one buffer: one copy, one chunk to write.
    const framed = socket instanceof TickCorkedWebSocket ? textFrame(prefix, payload) : undefined;
    // Past the mark: nothing more for this socket until this frame is written out.
    const pastMark = socket.bufferedAmount + (framed?.length ?? Buffer.byteLength(prefix) + payload.length) > highWaterMarkBytes;
    const written = pastMark ? () => unblock(lane) : undefined;
    if (pastMark) lane.blocked = true;
    if (framed && (socket as TickCorkedWebSocket).sendFramed(framed, written)) return;
    socket.send(Buffer.concat([Buffer.from(prefix), payload]), SEND_TEXT, written);
  };

  const unblock = (lane: Lane) => {
    lane.blocked = false;
    const waiting = lane.waiting;
    lane.waiting = undefined;
    for (const sub of waiting ?? []) schedule(sub);
  };

  /** The executor threw (a bug, not a resolver error): the subscription ends with an error, as it would have. */
  const failed = (sub: Subscription, error: unknown) => {
    log.error({ err: error, operationId: sub.id }, 'live delivery could not execute an event');
    sub.busy = false;
    // The client is told to catch up; what was still waiting goes with the subscription.
    while (sub.source.size > 0) sub.source.take();
    sub.source.fail(error instanceof Error ? error : new Error(String(error)));
    sub.release();
  };

  const encodeFor = (sub: Subscription, value: unknown, cohorts: Cohorts | undefined): MaybePromise<Buffer> => {
    if (!cohorts) return then(run(sub, value, false), (encoded) => encoded.bytes);
    let byKey = cohorts.get(value);
    if (!byKey) cohorts.set(value, (byKey = new Map()));
    const shared = byKey.get(sub.key);
    if (!shared) {
      const first = run(sub, value, true);
      byKey.set(sub.key, first);
      return then(first, (encoded) => encoded.bytes);
    }
    return then(shared, (encoded) => (encoded.perOperation ? then(run(sub, value, false), (own) => own.bytes) : encoded.bytes));
  };

  /** The event through the executor, as graphql-ws's subscription would run it, masked and encoded. */
  const run = (sub: Subscription, value: unknown, track: boolean): MaybePromise<Encoded> => {
    metrics.liveExecutions.inc();
    const reads = track ? readsPerOperationContext(sub.contextValue) : undefined;
    const result = execute({
      schema: sub.schema,
      document: sub.document,
      rootValue: value,
      contextValue: reads?.context ?? sub.contextValue,
      variableValues: sub.variableValues,
      operationName: sub.operationName,
    });
    return then(result as MaybePromise<ExecutionResult>, (done) => ({
      bytes: nextFramePayload(
        done.errors ? { ...done, errors: done.errors.map((error) => maskError(error, 'Unexpected error.') as GraphQLError) } : done,
      ),
      perOperation: reads?.read() ?? true,
    }));
  };

  return {
    /** Takes over a subscription's events (see LiveSubscription); nothing is written before start. */
    add(input: LiveSubscriptionInput): LiveSubscription {
      return new LiveSubscription(input, laneOf(input.socket), engine);
    },

    /**
     * Starts writing a subscription's events, once its owner holds it: the engine may hand it back
     * at once (its stream already ended or failed), and the owner must know it by then.
     */
    start(sub: LiveSubscription): void {
      if (sub.removed) return;
      sub.source.attach(sub);
      schedule(sub); // values pushed while it was being subscribed
    },
  };
}

/** Per flush: each value's encodings, by cohort key. */
type Cohorts = Map<unknown, Map<string, MaybePromise<Encoded>>>;

function then<T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>): MaybePromise<U> {
  return value instanceof Promise ? value.then(next) : next(value);
}
