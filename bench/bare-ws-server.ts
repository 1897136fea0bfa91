// The ceiling: a plain `ws` server with in-memory routing, no GraphQL and no database. Rooms stand
// for conversations (POST /rooms at setup, like the bench's DM and group setup on the chat server);
// a send is fanned, encoded once, to every subscribed socket of every member (the sender's own
// included, as the chat server's messageReceived does), then acknowledged to the sender.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

export type BareClientFrame = { t: 'sub' } | { t: 'send'; id: number; to: string; body: string };
export type BareServerFrame =
  { t: 'msg'; to: string; from: string; body: string } | { t: 'ack'; id: number } | { t: 'error'; id: number; error: string };

/** Same frame limit as the chat server's graphql-ws endpoint. */
const MAX_PAYLOAD_BYTES = 64 * 1024;

export function createBareWsServer(): { server: Server; listen(host: string): Promise<number>; close(): Promise<void> } {
  const rooms = new Map<string, Set<string>>();
  const subscribed = new Map<string, Set<WebSocket>>();

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/rooms') return void res.writeHead(404).end();
    readJson(req)
      .then((body) => {
        const { room, members } = body as { room: string; members: string[] };
        rooms.set(room, new Set(members));
        res.writeHead(204).end();
      })
      .catch(() => res.writeHead(400).end());
  });
  const wss = new WebSocketServer({ server, maxPayload: MAX_PAYLOAD_BYTES });

  wss.on('connection', (socket, req) => {
    const user = new URL(req.url ?? '/', 'http://localhost').searchParams.get('user');
    if (!user) return socket.close(4401, 'user missing');
    socket.on('message', (data) => {
      let frame: BareClientFrame;
      try {
        frame = JSON.parse(String(data)) as BareClientFrame;
      } catch {
        return socket.close(4400, 'not JSON');
      }
      if (frame.t === 'sub') {
        const sockets = subscribed.get(user) ?? new Set();
        sockets.add(socket);
        subscribed.set(user, sockets);
        return;
      }
      const members = rooms.get(frame.to);
      if (!members?.has(user)) return reply(socket, { t: 'error', id: frame.id, error: 'not a member of this room' });
      const out = JSON.stringify({ t: 'msg', to: frame.to, from: user, body: frame.body } satisfies BareServerFrame);
      for (const member of members) for (const target of subscribed.get(member) ?? []) target.send(out);
      reply(socket, { t: 'ack', id: frame.id });
    });
    socket.on('close', () => {
      const sockets = subscribed.get(user);
      sockets?.delete(socket);
      if (sockets?.size === 0) subscribed.delete(user);
    });
  });

  return {
    server,
    listen: (host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, host, () => resolve((server.address() as AddressInfo).port));
      }),
    async close() {
      for (const client of wss.clients) client.close(1001);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const reply = (socket: WebSocket, frame: BareServerFrame) => socket.send(JSON.stringify(frame));

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1024 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
