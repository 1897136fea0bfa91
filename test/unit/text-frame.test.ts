// The ESM entry exports ws's Sender; its type declarations do not.
import * as ws from 'ws';
import { describe, expect, it } from 'vitest';
import { textFrame } from '../../src/graphql/tick-corked-websocket.js';

/** What ws itself writes for a server's `send(text)`: its header, then the data. */
function wsFrame(data: Buffer): Buffer {
  const list = (ws as unknown as { Sender: { frame(data: Buffer, options: object): Buffer[] } }).Sender.frame(data, {
    fin: true,
    rsv1: false,
    opcode: 1,
    mask: false,
    readOnly: false,
  });
  return Buffer.concat(list);
}

describe('textFrame', () => {
  // Each length class of the WebSocket header: 7-bit, 16-bit and 64-bit lengths, at their edges.
  it.each([0, 1, 125, 126, 127, 65_535, 65_536, 200_000])('is byte for byte ws’s frame for %i bytes', (length) => {
    const data = Buffer.alloc(length, 'x');
    const cut = Math.min(length, 37);
    expect(textFrame([data.subarray(0, cut), data.subarray(cut)]).equals(wsFrame(data))).toBe(true);
  });
});
