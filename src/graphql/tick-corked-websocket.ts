import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/** ws's frame writer; `sendFrame` is what it calls once a frame is built (engine.io uses it the same way). */
type Sender = { sendFrame(list: Buffer[], cb?: (error?: Error) => void): void; _state: number; _queue: unknown[] };

/** Sockets corked in this tick, uncorked together by one callback at its end. */
let corked: TickCorkedWebSocket[] = [];

const uncorkAll = () => {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncorkTick();
};

/**
 * A server-side WebSocket whose frames of one tick leave in one write: the first send of a tick
 * corks the TCP socket and the end of the tick uncorks it. A query or mutation's answer (`next`
 * then `complete`) and events landing in the same tick cost one system call instead of one each
 * (ws PR #2214 has the idea; a system call is most of what a frame costs). One callback per tick
 * uncorks every socket corked in it, rather than one per socket.
 */
export class TickCorkedWebSocket extends WebSocket {
  /** Whoever serves this socket (its graphql-ws connection): listeners shared by every socket find it here. */
  owner: unknown = undefined;
  #raw: Socket | undefined;

  override send(data: unknown, options?: unknown, cb?: unknown): void {
    this.#corkForTick();
    (super.send as (data: unknown, options?: unknown, cb?: unknown) => void)(data, options, cb);
  }

  /**
   * Writes a frame built by `textFrame` behind whatever this socket has sent before. Frames many
   * sockets share most of are built once each with one copy, instead of ws building a header and
   * writing header and data apart for each. False (nothing written) when ws is not idle in a way
   * that would let the frame overtake one of its own; the caller then uses `send`.
   */
  sendFramed(frame: Buffer, cb?: (error?: Error) => void): boolean {
    const sender = (this as unknown as { _sender?: Sender })._sender;
    if (!sender || sender._state !== 0 || sender._queue.length > 0 || this.readyState !== WebSocket.OPEN) return false;
    this.#corkForTick();
    sender.sendFrame([frame], cb);
    return true;
  }

  /** Called by the end-of-tick callback only. */
  uncorkTick(): void {
    const raw = this.#raw;
    this.#raw = undefined;
    raw?.uncork();
  }

  #corkForTick(): void {
    if (this.#raw) return;
    const raw = (this as unknown as { _socket?: Socket | null })._socket;
    if (!raw || this.readyState !== WebSocket.OPEN) return;
    this.#raw = raw;
    raw.cork();
    if (corked.push(this) === 1) process.nextTick(uncorkAll);
  }
}

/**
 * One unmasked text frame (FIN set, no compression: permessage-deflate is off) holding `head` (as
 * UTF-8) then `body`, byte for byte what ws's Sender builds for `send(text)`: a server never masks.
 */
export function textFrame(head: string, body: Buffer): Buffer {
  const headBytes = Buffer.byteLength(head);
  const length = headBytes + body.length;
  const header = length < 126 ? 2 : length < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (header === 2) frame[1] = length;
  else if (header === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  frame.write(head, header, headBytes, 'utf8');
  body.copy(frame, header + headBytes);
  return frame;
}
