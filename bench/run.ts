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
import { historyTable, machineLines, resultTable } from './report.js';
import type { Target } from './target.js';
import { workload } from './workloads.js';

const repoRoot = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const progress = (line: string) => console.error(`… ${line}`);

async function main() {
  const options = parseOptions(process.argv.slice(2), process.env);
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

  try {
    if (options.historyLevels.length > 0) {
      const load = workload('dm', options);
      progress(`stored-history mode: ${load.title}`);
      progress('starting the chat server…');
      const chat = await startChatTarget({ repoRoot, database, dataDir });
      running.add(chat);
      const levels: { stored: number; chat: Measurement }[] = [];
      let stored = 0;
      try {
        for (const level of options.historyLevels) {
          if (level > stored) {
            progress(`seeding ${(level - stored).toLocaleString('en')} messages (to ${level.toLocaleString('en')} stored)…`);
            await chat.storeHistory!(level - stored, progress);
            stored = level;
          }
          progress(`chat server with ${stored.toLocaleString('en')} stored messages`);
          levels.push({ stored, chat: await measure(chat, load, options, progress) });
        }
      } finally {
        running.delete(chat);
        await chat.stop();
      }
      progress('starting the bare ws server…');
      const bare = await startBareTarget();
      running.add(bare);
      let bareResult: Measurement;
      try {
        bareResult = await measure(bare, load, options, progress);
      } finally {
        running.delete(bare);
        await bare.stop();
      }
      console.log(historyTable(`stored history: ${load.title}`, levels, bareResult));
      return;
    }
    for (const name of options.workloads) {
      const load = workload(name, options);
      const measureOn = async (target: Target) => {
        running.add(target);
        try {
          return await measure(target, load, options, progress);
        } finally {
          running.delete(target);
          await target.stop();
        }
      };
      progress(`${load.title}`);
      progress('starting the chat server…');
      const chatResult = await measureOn(await startChatTarget({ repoRoot, database, dataDir }));
      progress('starting the bare ws server…');
      const bareResult = await measureOn(await startBareTarget());
      console.log(resultTable(load.title, chatResult, bareResult));
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
