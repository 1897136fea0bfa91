// A graphql-ws client that keeps every frame as the bytes it came in, for tests that compare what
// two servers send byte for byte (a client library would parse them first).
import WebSocket from 'ws';
import { createDeferred } from './deferred.js';

export type RawFrame = { text: string; binary: boolean };

export type RawGraphQLSocket = {
  /** Sends a subscribe message; its frames are kept under `id`. */
  subscribe(id: string, query: string, variables?: Record<string, unknown>, operationName?: string): void;
  /** Sends a complete message: the client is done with `id`. */
  complete(id: string): void;
  /** Every frame received for `id` so far, in order. */
  frames(id: string): RawFrame[];
  /** Stops reading from the connection (a stalled client): what the server sends piles up. */
  pauseReading(): void;
  resumeReading(): void;
  close(): void;
};

export async function openRawGraphQLSocket(wsUrl: string, token: string): Promise<RawGraphQLSocket> {
  const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
  const byId = new Map<string, RawFrame[]>();
  const acked = createDeferred<void>();
  socket.on('message', (data: Buffer, binary) => {
    const text = data.toString('utf8');
    const message = JSON.parse(text) as { type: string; id?: string };
    if (message.type === 'connection_ack') return acked.resolve();
    if (message.type === 'ping') return socket.send(JSON.stringify({ type: 'pong' }));
    if (message.id === undefined) return;
    const frames = byId.get(message.id) ?? [];
    frames.push({ text, binary });
    byId.set(message.id, frames);
  });
  socket.on('close', (code, reason) => acked.reject(new Error(`closed before connection_ack: ${code} ${String(reason)}`)));
  socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
  await acked.promise;
  return {
    subscribe(id, query, variables, operationName) {
      socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables, operationName } }));
    },
    complete(id) {
      socket.send(JSON.stringify({ id, type: 'complete' }));
    },
    frames: (id) => byId.get(id) ?? [],
    pauseReading: () => socket.pause(),
    resumeReading: () => socket.resume(),
    close: () => socket.close(),
  };
}
