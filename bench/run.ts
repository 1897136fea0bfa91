// `npm run bench`: the chat server beside a bare ws server, per workload. See options.ts for flags.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBareTarget } from './bare-target.js';
import { startChatTarget } from './chat-target.js';
import { chooseDatabase } from './database.js';
import { measure, type Measurement } from './measure.js';
import { parseOptions, UsageError } from './options.js';
import { historyTable, idleTable, machineLines, resultTable } from './report.js';
import type { Target } from './target.js';
import { workload } from './workloads.js';
import { inboxTable, measureInbox, type InboxFigures } from './inbox-workload.js';
import { filesTable, measureFiles } from './files-workload.js';
import { checkIdleLimits, measureIdle } from './idle-workload.js';

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const progress = (line: string) => console.error(`… ${line}`);

async function main() {
  const options = parseOptions(process.argv.slice(2), process.env);
  if (options.workloads.includes('idle') && options.historyLevels.length === 0) checkIdleLimits(options.idleSockets);
  const started = performance.now();
  console.log(machineLines(options).join('\n'));

  const database = await chooseDatabase(process.env, { embedded: options.embeddedDb });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'chat-bench-'));
  const running = new Set<Target>();
  const cleanup = async () => {
    await Promise.all([...running].map((target) => target.stop().catch(() => undefined)));
    await database.cleanup().catch((error) => console.error(`could not drop the bench database: ${(error as Error).message}`));
    await rm(dataDir, { recursive: true, force: true });
  };
  // Ctrl-C: servers are stopped (their Redis keys removed), then the database and temp dir.
  process.once('SIGINT', () => void cleanup().finally(() => process.exit(130)));

  const withTarget = async <T>(target: Target, use: (target: Target) => Promise<T>): Promise<T> => {
    running.add(target);
    try {
      return await use(target);
    } finally {
      running.delete(target);
      await target.stop();
    }
  };
  const inboxOptions = { conversations: options.inboxConversations, messagesPerConversation: options.inboxMessages, samples: 200 };

  try {
    if (options.historyLevels.length > 0) {
      const runDm = options.workloads.includes('dm');
      const runInbox = options.workloads.includes('inbox');
      const load = workload('dm', options);
      progress(`stored-history mode: ${[runDm ? load.title : '', runInbox ? 'inbox' : ''].filter(Boolean).join('; ')}`);
      progress('starting the chat server…');
      const dmLevels: { stored: number; chat: Measurement }[] = [];
      const inboxLevels: { stored: number; figures: InboxFigures }[] = [];
      await withTarget(await startChatTarget({ repoRoot, database, dataDir }), async (chat) => {
        let stored = 0;
        for (const level of options.historyLevels) {
          if (level > stored) {
            progress(`seeding ${(level - stored).toLocaleString('en')} messages (to ${level.toLocaleString('en')} stored)…`);
            await chat.storeHistory!(level - stored, progress);
            stored = level;
          }
          progress(`chat server with ${stored.toLocaleString('en')} stored messages`);
          if (runDm) dmLevels.push({ stored, chat: await measure(chat, load, options, progress) });
          if (runInbox) inboxLevels.push({ stored, figures: await measureInbox(chat, inboxOptions, progress) });
        }
      });
      if (runDm) {
        progress('starting the bare ws server…');
        const bare = await withTarget(await startBareTarget(), (target) => measure(target, load, options, progress));
        console.log(historyTable(`stored history: ${load.title}`, dmLevels, bare));
      }
      if (runInbox) console.log(inboxTable(inboxLevels));
    }
    for (const name of options.historyLevels.length > 0 ? [] : options.workloads) {
      if (name === 'files') {
        progress('files: starting the chat server…');
        const figures = await withTarget(await startChatTarget({ repoRoot, database, dataDir }), (chat) =>
          measureFiles(chat, { files: 20, fileBytes: 25 * 2 ** 20 }, progress),
        );
        console.log(filesTable(figures));
        continue;
      }
      if (name === 'inbox') {
        progress('inbox on a fresh database: starting the chat server…');
        const figures = await withTarget(await startChatTarget({ repoRoot, database, dataDir }), (chat) =>
          measureInbox(chat, inboxOptions, progress),
        );
        console.log(inboxTable([{ stored: 0, figures }]));
        continue;
      }
      if (name === 'idle') {
        progress(`idle: ${options.idleSockets.toLocaleString('en')} subscribed sockets, then ${options.durationMs / 1000} s with no sends`);
        progress('starting the chat server…');
        const chat = await withTarget(await startChatTarget({ repoRoot, database, dataDir }), (t) => measureIdle(t, options, progress));
        progress('starting the bare ws server…');
        const bare = await withTarget(await startBareTarget(), (t) => measureIdle(t, options, progress));
        console.log(idleTable(chat, bare));
        continue;
      }
      const load = workload(name, options);
      progress(`${load.title}`);
      progress('starting the chat server…');
      const chatResult = await withTarget(await startChatTarget({ repoRoot, database, dataDir, instances: options.instances }), (t) =>
        measure(t, load, options, progress),
      );
      let baselineResult: Measurement | undefined;
      if (name === 'dm' && options.baselineDir) {
        progress(`starting the baseline chat server from ${options.baselineDir} (a database of its own)…`);
        const baselineDatabase = await chooseDatabase(process.env, { embedded: options.embeddedDb, fresh: true });
        const baselineData = await mkdtemp(path.join(os.tmpdir(), 'chat-bench-baseline-'));
        try {
          baselineResult = await withTarget(
            await startChatTarget({
              repoRoot: path.resolve(options.baselineDir),
              database: baselineDatabase,
              dataDir: baselineData,
              label: 'baseline',
            }),
            (t) => measure(t, load, options, progress),
          );
        } finally {
          await baselineDatabase.cleanup().catch(() => undefined);
          await rm(baselineData, { recursive: true, force: true });
        }
      }
      progress('starting the bare ws server…');
      const bareResult = await withTarget(await startBareTarget(), (t) => measure(t, load, options, progress));
      console.log(resultTable(load.title, chatResult, bareResult, baselineResult));
    }
  } finally {
    await cleanup();
  }
  console.log(`\ndone in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

main().catch((error) => {
  if (error instanceof UsageError) {
    console.error(error.message);
    process.exit(error.exitCode);
  }
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
