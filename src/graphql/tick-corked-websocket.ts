import type { Socket } from 'node:net';
import { WebSocket } from 'ws';

/**
 * A server-side WebSocket whose frames of one tick leave in one write: the first send of a tick
 * corks the TCP socket and the end of the tick uncorks it. A query or mutation's answer (`next`
 * then `complete`) and events landing in the same tick cost one system call instead of one each
 * (ws PR #2214 has the idea; a system call is most of what a frame costs).
 */
export class TickCorkedWebSocket extends WebSocket {
  #corked = false;

  override send(data: unknown, options?: unknown, cb?: unknown): void {
    if (!this.#corked) {
      const raw = (this as unknown as { _socket?: Socket | null })._socket;
      if (raw && this.readyState === WebSocket.OPEN) {
        this.#corked = true;
        raw.cork();
        process.nextTick(() => {
          this.#corked = false;
          raw.uncork();
        });
      }
    }
    (super.send as (data: unknown, options?: unknown, cb?: unknown) => void)(data, options, cb);
  }
}
