// The ceiling as a Target: bare-ws-main.ts, built, in a child process; users are names, rooms are set up over HTTP.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBareServer } from './build.js';
import { readRssBytes, spawnChildServer } from './child-process.js';
import { connectBareWs } from './clients.js';
import type { BenchUser, Target } from './target.js';

const here = path.dirname(fileURLToPath(import.meta.url));

export async function startBareTarget(): Promise<Target> {
  const child = await spawnChildServer({
    label: 'bare ws server',
    entry: await buildBareServer(),
    cwd: path.dirname(here),
    env: process.env,
    isReady: (line) => line.ready === true && typeof line.port === 'number',
    startTimeoutMs: 30_000,
  });
  const base = `127.0.0.1:${child.ready.port as number}`;
  let userSerial = 0;
  const room = async (members: readonly BenchUser[]) => {
    const id = randomBytes(8).toString('hex');
    const response = await fetch(`http://${base}/rooms`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room: id, members: members.map((m) => m.id) }),
    });
    if (!response.ok) throw new Error(`bare ws: POST /rooms answered ${response.status}`);
    return id;
  };

  return {
    name: 'bare ws',
    facts: {},
    usesDatabase: false,
    // Unique across calls: the idle workload creates its users in batches.
    createUsers: async (count) => Array.from({ length: count }, () => ({ id: `u${userSerial++}`, token: '' })),
    createDirect: (a, b) => room([a, b]),
    createGroup: (members) => room(members),
    // Rooms live in the server's memory, and setting them up leaves next to no garbage.
    restartAfterSetup: async () => undefined,
    connect: (user) => connectBareWs(`ws://${base}`, user.id),
    memory: () => child.memory(),
    cpuSeconds: () => child.cpuSeconds(),
    rssNow: () => readRssBytes(child.pid),
    serverErrors: () => child.errors(),
    async stop() {
      const code = await child.stop();
      if (code !== 0) throw new Error(`bare ws server exited with code ${code} on SIGTERM`);
    },
  };
}
