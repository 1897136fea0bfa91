import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendRequest } from '../../../src/modules/messages/message-event.js';
import { commitMessages, type CommitResult } from '../../../src/modules/worker/commit-messages.js';
import { createMemberLists } from '../../../src/modules/worker/member-lists.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';
import { waitFor } from '../../helpers/deferred.js';

describe('commitMessages against PostgreSQL', () => {
  let db: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase();
    // Room for two concurrent commits, a transaction holding a lock, and the test's own queries.
    pool = new pg.Pool({ connectionString: db.url, max: 6 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const user = async (name: string) => {
    const id = randomUUID();
    const unique = `${name}-${id.slice(0, 8)}`;
    await pool.query('INSERT INTO users (id, email, username, username_key, password_hash) VALUES ($1, $2, $3, lower($3), $4)', [
      id,
      `${unique}@example.test`,
      unique,
      'x',
    ]);
    return id;
  };
  const conversation = async (...memberIds: string[]) => {
    const id = randomUUID();
    await pool.query(`INSERT INTO conversations (id, kind, title) VALUES ($1, 'GROUP', 'test')`, [id]);
    for (const memberId of memberIds)
      await pool.query('INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2)', [id, memberId]);
    return id;
  };
  const request = (conversationId: string, senderId: string, content: string, clientMessageId: string | null = null): SendRequest => ({
    id: randomUUID(),
    conversationId,
    senderId,
    content,
    clientMessageId,
    replyTo: 'instance-1',
    sentAt: Date.now(),
  });
  const rows = async (conversationId: string) =>
    (
      await pool.query<{ id: string; seq: number; content: string }>(
        'SELECT id, seq, content FROM messages WHERE conversation_id = $1 ORDER BY seq',
        [conversationId],
      )
    ).rows;
  const lastSeq = async (conversationId: string) =>
    (await pool.query<{ last_seq: number }>('SELECT last_seq FROM conversations WHERE id = $1', [conversationId])).rows[0]?.last_seq;
  const summary = (results: CommitResult[]) =>
    results.map((r) => (r.kind === 'rejected' ? { kind: r.kind, code: r.code } : { kind: r.kind, id: r.message.id, seq: r.message.seq }));

  it('when a batch spans two conversations, then each gets gapless seqs in batch order and its last_seq advances', async () => {
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const ab = await conversation(alice, bob);
    const ac = await conversation(alice, carol);
    const batch = [
      request(ab, alice, 'ab 1'),
      request(ac, alice, 'ac 1'),
      request(ab, bob, 'ab 2'),
      request(ac, carol, 'ac 2'),
      request(ab, alice, 'ab 3'),
    ];

    const results = await commitMessages(pool, batch);

    expect(summary(results)).toEqual([
      { kind: 'new', id: batch[0]!.id, seq: 1 },
      { kind: 'new', id: batch[1]!.id, seq: 1 },
      { kind: 'new', id: batch[2]!.id, seq: 2 },
      { kind: 'new', id: batch[3]!.id, seq: 2 },
      { kind: 'new', id: batch[4]!.id, seq: 3 },
    ]);
    expect(results[2]).toMatchObject({
      message: { conversationId: ab, senderId: bob, content: 'ab 2', clientMessageId: null, sender: { id: bob } },
      memberIds: expect.arrayContaining([alice, bob]),
    });
    expect((results[2] as Extract<CommitResult, { kind: 'new' }>).memberIds).toHaveLength(2);
    expect(await rows(ab)).toEqual([
      { id: batch[0]!.id, seq: 1, content: 'ab 1' },
      { id: batch[2]!.id, seq: 2, content: 'ab 2' },
      { id: batch[4]!.id, seq: 3, content: 'ab 3' },
    ]);
    expect([await lastSeq(ab), await lastSeq(ac)]).toEqual([3, 2]);

    const [next] = await commitMessages(pool, [request(ab, bob, 'ab 4')]);
    expect(next).toMatchObject({ kind: 'new', message: { seq: 4 } });
  });

  it('when the same requests are committed again (a redelivery), then nothing is inserted and each is reported redelivered with its seq', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const batch = [request(ab, alice, 'one', 'c-1'), request(ab, bob, 'two')];
    const first = await commitMessages(pool, batch);

    const again = await commitMessages(pool, batch);

    expect(again.map((r) => r.kind)).toEqual(['redelivered', 'redelivered']);
    expect(again.map((r) => (r.kind === 'rejected' ? undefined : r.message))).toEqual(
      first.map((r) => (r.kind === 'rejected' ? undefined : r.message)),
    );
    expect(again[0]).toMatchObject({ memberIds: expect.arrayContaining([alice, bob]) });
    expect(await rows(ab)).toHaveLength(2);
    expect(await lastSeq(ab)).toBe(2);
  });

  it('when a batch mixes a message stored before with new ones, then only the new ones are stored, with seqs that leave no gap', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const stored = request(ab, alice, 'stored before', 'c-1');
    const [first] = await commitMessages(pool, [stored]);
    const fresh = [request(ab, bob, 'new 1'), request(ab, alice, 'new 2', 'c-2')];

    const results = await commitMessages(pool, [fresh[0]!, stored, fresh[1]!]);

    expect(summary(results)).toEqual([
      { kind: 'new', id: fresh[0]!.id, seq: 2 },
      { kind: 'redelivered', id: stored.id, seq: 1 },
      { kind: 'new', id: fresh[1]!.id, seq: 3 },
    ]);
    expect(results[1]).toMatchObject({ message: (first as Extract<CommitResult, { kind: 'new' }>).message });
    expect((await rows(ab)).map((r) => [r.seq, r.content])).toEqual([
      [1, 'stored before'],
      [2, 'new 1'],
      [3, 'new 2'],
    ]);
    expect(await lastSeq(ab)).toBe(3);
    const { rows: positions } = await pool.query<{ pos: string }>('SELECT pos FROM messages WHERE conversation_id = $1 ORDER BY seq', [ab]);
    expect(new Set(positions.map((p) => p.pos)).size).toBe(3);
  });

  it('when a different request reuses a sender’s clientMessageId, then it is a duplicate answered with the original message', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const [original] = await commitMessages(pool, [request(ab, alice, 'hello', 'retry-me')]);

    const [retry, otherSender] = await commitMessages(pool, [
      request(ab, alice, 'hello (retried)', 'retry-me'),
      request(ab, bob, 'mine', 'retry-me'),
    ]);

    expect(retry).toEqual({ kind: 'duplicate', message: (original as Extract<CommitResult, { kind: 'new' }>).message });
    // The key is (sender, clientMessageId): another sender's same id is another message.
    expect(otherSender).toMatchObject({ kind: 'new', message: { seq: 2, senderId: bob } });
    expect((await rows(ab)).map((r) => r.content)).toEqual(['hello', 'mine']);
  });

  it('when one batch holds two requests with the same sender and clientMessageId, then one row is stored and the second is its duplicate', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const first = request(ab, alice, 'hello', 'twice');
    const second = request(ab, alice, 'hello', 'twice');

    const [a, b] = await commitMessages(pool, [first, second]);

    expect(a).toMatchObject({ kind: 'new', message: { id: first.id, seq: 1 } });
    expect(b).toEqual({ kind: 'duplicate', message: (a as Extract<CommitResult, { kind: 'new' }>).message });
    expect(await rows(ab)).toEqual([{ id: first.id, seq: 1, content: 'hello' }]);
    expect(await lastSeq(ab)).toBe(1);
  });

  it('when a sender is not a member, then that request is rejected FORBIDDEN and the rest of the batch commits without a gap', async () => {
    const [alice, bob, mallory] = [await user('alice'), await user('bob'), await user('mallory')];
    const ab = await conversation(alice, bob);
    const batch = [request(ab, alice, 'one'), request(ab, mallory, 'intrusion'), request(ab, bob, 'two')];

    const results = await commitMessages(pool, batch);

    expect(summary(results)).toEqual([
      { kind: 'new', id: batch[0]!.id, seq: 1 },
      { kind: 'rejected', code: 'FORBIDDEN' },
      { kind: 'new', id: batch[2]!.id, seq: 2 },
    ]);
    expect((await rows(ab)).map((r) => r.content)).toEqual(['one', 'two']);
  });

  it('when members change between commits by any statement, then the next commit’s recipients and checks follow, though member lists are kept between commits', async () => {
    const [alice, bob, carol] = [await user('alice'), await user('bob'), await user('carol')];
    const group = await conversation(alice, bob);
    const memberLists = createMemberLists();
    const recipients = (result: CommitResult | undefined) => (result && 'memberIds' in result ? [...result.memberIds].sort() : result);

    const [first] = await commitMessages(pool, [request(group, alice, 'one')], { memberLists });
    expect(recipients(first)).toEqual([alice, bob].sort());

    // Plain SQL, as no code path of the app: the list must follow whatever changes the members.
    await pool.query('INSERT INTO conversation_members (conversation_id, user_id) VALUES ($1, $2)', [group, carol]);
    const [second] = await commitMessages(pool, [request(group, alice, 'two')], { memberLists });
    expect(recipients(second)).toEqual([alice, bob, carol].sort());

    await pool.query('DELETE FROM conversation_members WHERE conversation_id = $1 AND user_id = $2', [group, bob]);
    const [third, fromBob] = await commitMessages(pool, [request(group, carol, 'three'), request(group, bob, 'not any more')], {
      memberLists,
    });
    expect(recipients(third)).toEqual([alice, carol].sort());
    expect(fromBob).toMatchObject({ kind: 'rejected', code: 'FORBIDDEN' });
  });

  it('when the conversation does not exist, then that request is rejected NOT_FOUND and the rest of the batch commits', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const batch = [request(randomUUID(), alice, 'into the void'), request(ab, alice, 'fine')];

    const results = await commitMessages(pool, batch);

    expect(summary(results)).toEqual([
      { kind: 'rejected', code: 'NOT_FOUND' },
      { kind: 'new', id: batch[1]!.id, seq: 1 },
    ]);
    expect(await rows(ab)).toHaveLength(1);
  });

  /**
   * Runs `commits` while another transaction holds the conversation's row lock, and releases it
   * only once every commit is waiting on it: they then really contend, whatever the scheduling.
   */
  const contending = async <T>(conversationId: string, commits: (() => Promise<T>)[]): Promise<T[]> => {
    const blocker = await pool.connect();
    try {
      await blocker.query('BEGIN');
      await blocker.query('SELECT 1 FROM conversations WHERE id = $1 FOR UPDATE', [conversationId]);
      const running = Promise.all(commits.map((commit) => commit()));
      running.catch(() => undefined); // awaited below; not unhandled while we wait
      await waitFor(
        async () =>
          (
            await pool.query<{ n: number }>(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).rows[0]!.n === commits.length,
        { description: `${commits.length} commits waiting on the conversation lock` },
      );
      await blocker.query('COMMIT');
      return await running;
    } finally {
      await blocker.query('ROLLBACK').catch(() => undefined);
      blocker.release();
    }
  };

  it('when two commits on the same conversation run concurrently, then their seqs are distinct and gapless', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const batchA = Array.from({ length: 10 }, (_, i) => request(ab, alice, `a${i}`));
    const batchB = Array.from({ length: 10 }, (_, i) => request(ab, bob, `b${i}`));

    const [resultsA, resultsB] = await contending(ab, [() => commitMessages(pool, batchA), () => commitMessages(pool, batchB)]);

    const seqs = [...resultsA!, ...resultsB!].map((r) => (r.kind === 'new' ? r.message.seq : -1));
    expect(seqs.toSorted((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect((await rows(ab)).map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await lastSeq(ab)).toBe(20);
  });

  it('when two commits carrying the same sender and clientMessageId run concurrently, then one stores it and the other answers with it', async () => {
    const [alice, bob] = [await user('alice'), await user('bob')];
    const ab = await conversation(alice, bob);
    const one = request(ab, alice, 'hello', 'raced');
    const other = request(ab, alice, 'hello', 'raced');

    const [[a], [b]] = (await contending(ab, [() => commitMessages(pool, [one]), () => commitMessages(pool, [other])])) as [
      CommitResult[],
      CommitResult[],
    ];

    const results = [a!, b!];
    const stored = results.find((r) => r.kind === 'new');
    expect(results.map((r) => r.kind).toSorted()).toEqual(['duplicate', 'new']);
    expect(results.find((r) => r.kind === 'duplicate')).toEqual({
      kind: 'duplicate',
      message: stored!.kind === 'new' ? stored!.message : undefined,
    });
    expect(await rows(ab)).toHaveLength(1);
  });
});
