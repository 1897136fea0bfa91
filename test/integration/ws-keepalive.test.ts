// One keep-alive sweep for all sockets: a client that stops answering pings is closed by the next
// sweep; one that answers stays.
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { registerUsers } from '../helpers/chat.js';
import { createDeferred } from '../helpers/deferred.js';
import { useTestServer } from '../helpers/test-server.js';

describe('keep-alive', () => {
  const server = useTestServer({ env: { WS_KEEPALIVE: '300ms' } });

  const open = async (token: string, autoPong: boolean) => {
    const socket = new WebSocket(server.wsUrl, 'graphql-transport-ws', { autoPong });
    const acked = createDeferred<void>();
    const closed = createDeferred<number>();
    socket.on('message', (data) => String(data).includes('connection_ack') && acked.resolve());
    socket.on('close', (code) => closed.resolve(code));
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })));
    await acked.promise;
    return { socket, closed };
  };

  it('when a client stops answering pings, then it is closed within two sweeps, while one that answers stays open', async () => {
    const [alice] = await registerUsers(server.url, ['alice'] as const);
    const silent = await open(alice.accessToken, false);
    const lively = await open(alice.accessToken, true);
    const started = Date.now();
    await silent.closed.promise;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(lively.closed.settled).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 700)); // two more sweeps
    expect(lively.closed.settled).toBe(false);
    lively.socket.close();
  });
});
