import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createMetrics } from '../../../src/infra/metrics.js';
import { startThreadedMessageWorker } from '../../../src/modules/worker/threaded-worker.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';
import { gqlOk, registerUser, SEND } from '../../helpers/graphql.js';
import { describeRedis, redisUrlForTests, uniqueRedisPrefix } from '../../helpers/redis.js';
import { startTcpProxy, type TcpProxy } from '../../helpers/tcp-proxy.js';

// The worker on its own thread, as Redis mode runs it, reaching Redis through a proxy the test cuts:
// a thread that cannot start dies, and must be started again until it can.
describeRedis('the message worker on its own thread', () => {
  let db: TestDatabase;
  let proxy: TcpProxy;
  let server: TestApp;
  const redisPrefix = uniqueRedisPrefix();

  beforeAll(async () => {
    db = await createTestDatabase();
    const target = new URL(redisUrlForTests()!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
    // The server takes sends and answers them; the only worker is the one this test starts.
    // Sends wait for a thread that is started several times first: give them time on a loaded machine.
    server = await startTestApp({
      databaseUrl: db.url,
      redisUrl: redisUrlForTests(),
      redisPrefix,
      worker: false,
      env: { SEND_TIMEOUT: '30s' },
    });
  });
  afterAll(async () => {
    await server?.stop();
    await proxy?.close();
    await db?.drop();
  });

  it('when it cannot reach Redis at first, then it is started again until it can: queued sends are committed and answered, and its figures reach the registry', async () => {
    const [alice, bob] = await Promise.all([registerUser(server.url, 'alice'), registerUser(server.url, 'bob')]);
    const lines: { msg: string; code?: number }[] = [];
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)));
          done();
        },
      }),
    );
    const metrics = createMetrics();

    await proxy.cut();
    const worker = startThreadedMessageWorker({
      data: {
        databaseUrl: db.url,
        redisUrl: proxy.url(redisUrlForTests()!),
        keyPrefix: redisPrefix,
        deadLetterMax: 100,
        consumer: 'threaded-test',
        batchSize: 16,
        claimIdleMs: 5000,
        killAfterCommit: false,
        logLevel: 'silent',
      },
      logger,
      metrics,
    });
    try {
      const sends = ['one', 'two'].map((content) =>
        gqlOk(server.url, SEND, { input: { recipientId: bob.id, content } }, alice.accessToken),
      );
      await waitFor(() => lines.filter((l) => l.msg.includes('ended unexpectedly')).length >= 2, {
        description: 'the thread failed to start twice',
        timeoutMs: 10_000,
      });

      await proxy.restore();
      await worker.started;
      const answers = await Promise.all(sends);
      expect(answers.map((a) => a.sendMessage.seq).sort()).toEqual([1, 2]);
      await waitFor(async () => (await metrics.messagesCommitted.get()).values[0]?.value === 2, {
        description: 'the thread’s commits counted on the main thread',
      });
      const batchCount = async () =>
        (await metrics.workerBatchSize.get()).values.find((v) => v.metricName === 'chat_worker_batch_size_count')?.value ?? 0;
      await waitFor(async () => (await batchCount()) >= 1, { description: 'the thread’s batches counted on the main thread' });
    } catch (error) {
      await worker.stop();
      throw error;
    }
    const restarts = lines.filter((l) => l.msg.includes('ended unexpectedly')).length;
    await worker.stop();
    // Stopped means stopped: the thread's end is not taken for a failure, and nothing is started again.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines.filter((l) => l.msg.includes('ended unexpectedly')).length).toBe(restarts);
    expect(lines.some((l) => l.msg.includes('running on its own thread'))).toBe(true);
  }, 30_000);
});
