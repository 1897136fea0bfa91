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
    // A head with a character of more than one UTF-8 byte, as an operation id may have.
    const head = '{"id":"é1","type":"next","payload":'.slice(0, length);
    const data = Buffer.concat([Buffer.from(head), Buffer.alloc(Math.max(0, length - Buffer.byteLength(head)), 'x')]);
    const body = data.subarray(Buffer.byteLength(head));
    expect(textFrame(head, body).equals(wsFrame(data))).toBe(true);
  });
});
