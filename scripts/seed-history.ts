// Stored history, fast: users, direct conversations, messages and refresh tokens written with
// generate_series, so that a query plan or a benchmark can be checked against millions of rows
// instead of an empty database. Used by the hot-path plan test and `npm run bench -- --history`.
//
//   npx tsx scripts/seed-history.ts --messages 1000000 [--per-conversation 100]   (uses DATABASE_URL)
//
// Each call adds a batch of its own (new users and conversations, tagged), so seeding can be done
// in steps: 1 million, then 4 million more. Seeded users cannot log in (their password is random).
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import pg from 'pg';

export type SeedOptions = {
  /** Messages to add. */
  messages: number;
  /** Messages per conversation (the last conversation may hold fewer). */
  perConversation?: number;
  /** Rows per INSERT: bounds each statement's time so progress shows. */
  chunkRows?: number;
  progress?: (line: string) => void;
};

export type SeedResult = { users: number; conversations: number; messages: number; refreshTokens: number; ms: number };

/**
 * Users form a ring: user i has a direct conversation with user i+1, so each user is in two
 * conversations and each conversation holds `perConversation` messages sent alternately by its two
 * members, most with a clientMessageId (as real clients send), spread over the past year.
 */
export async function seedHistory(pool: pg.Pool, options: SeedOptions): Promise<SeedResult> {
  const { messages, perConversation = 100, chunkRows = 250_000, progress = () => undefined } = options;
  const started = performance.now();
  if (messages <= 0) return { users: 0, conversations: 0, messages: 0, refreshTokens: 0, ms: 0 };
  const conversations = Math.ceil(messages / perConversation);
  const users = Math.max(2, conversations);
  const tag = randomBytes(4).toString('hex');
  const passwordHash = await bcrypt.hash(randomBytes(16).toString('hex'), 4);

  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `CREATE TEMP TABLE seed_users ON COMMIT DROP AS
         SELECT n, gen_random_uuid() AS id FROM generate_series(1, $1::int) AS n`,
      [users],
    );
    await client.query(
      `INSERT INTO users (id, email, username, username_key, password_hash, created_at)
       SELECT id, 's' || $1 || '-' || n || '@seed.invalid', 's' || $1 || '_' || n, 's' || $1 || '_' || n, $2,
              now() - interval '400 days'
         FROM seed_users`,
      [tag, passwordHash],
    );
    await client.query(
      `CREATE TEMP TABLE seed_conversations ON COMMIT DROP AS
         SELECT a.n, gen_random_uuid() AS id, a.id AS a, b.id AS b,
                least($2::int, $3::int - (a.n - 1) * $2::int) AS size
           FROM seed_users a JOIN seed_users b ON b.n = a.n % $1::int + 1
          WHERE a.n <= $4::int`,
      [users, perConversation, messages, conversations],
    );
    await client.query(
      `INSERT INTO conversations (id, kind, direct_key, last_seq, member_count, created_at, last_activity_at)
       SELECT id, 'DIRECT', least(a::text, b::text) || ':' || greatest(a::text, b::text), size, 2,
              now() - interval '400 days', now() - interval '365 days' + (size * interval '1 minute')
         FROM seed_conversations`,
    );
    // Everything seeded counts as read by both members.
    await client.query(
      `INSERT INTO conversation_members (conversation_id, user_id, joined_at, last_read_seq)
       SELECT id, a, now() - interval '400 days', size FROM seed_conversations
       UNION ALL SELECT id, b, now() - interval '400 days', size FROM seed_conversations`,
    );
    // Half expired, a quarter revoked: what a table of real logins holds.
    await client.query(
      `INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, expires_at, created_at, revoked_at)
       SELECT gen_random_uuid(), id, gen_random_uuid(), encode(sha256(('seed' || $1 || n)::bytea), 'hex'),
              now() + (CASE WHEN n % 2 = 0 THEN interval '-1 day' ELSE interval '7 days' END),
              now() - interval '1 day', CASE WHEN n % 4 = 1 THEN now() ELSE NULL END
         FROM seed_users`,
      [tag],
    );

    const conversationsPerChunk = Math.max(1, Math.floor(chunkRows / perConversation));
    let written = 0;
    for (let from = 1; from <= conversations; from += conversationsPerChunk) {
      const to = Math.min(conversations, from + conversationsPerChunk - 1);
      // Event positions from the clock, as the worker takes them (the clock stays locked until commit).
      const inserted = await client.query(
        `WITH chunk AS (
           SELECT c.id AS conversation_id, c.n, c.a, c.b, c.size, s.seq, row_number() OVER (ORDER BY c.n, s.seq) AS ord
             FROM seed_conversations c CROSS JOIN LATERAL generate_series(1, c.size) AS s(seq)
            WHERE c.n BETWEEN $2::int AND $3::int
         ), clock AS (
           UPDATE event_clock SET last_pos = last_pos + (SELECT count(*) FROM chunk) WHERE id = 1
           RETURNING last_pos - (SELECT count(*) FROM chunk) AS base
         )
         INSERT INTO messages (id, conversation_id, seq, sender_id, content, client_message_id, created_at, pos)
         SELECT gen_random_uuid(), k.conversation_id, k.seq, CASE WHEN k.seq % 2 = 1 THEN k.a ELSE k.b END,
                'seeded message ' || k.seq || ' of a conversation of ' || k.size,
                CASE WHEN k.seq % 10 = 0 THEN NULL ELSE $1 || '-' || k.n || '-' || k.seq END,
                now() - interval '365 days' + (k.seq * interval '1 minute'), clock.base + k.ord
           FROM chunk k, clock`,
        [tag, from, to],
      );
      written += inserted.rowCount ?? 0;
      progress(`seeded ${written.toLocaleString('en')} of ${messages.toLocaleString('en')} messages`);
    }
    // Each conversation's creation event, and an ended earlier membership for one user in five (as
    // groups people left leave behind), at positions below the messages'.
    await client.query(
      `WITH clock AS (
         UPDATE event_clock SET last_pos = last_pos + (SELECT count(*) FROM seed_conversations) WHERE id = 1
         RETURNING last_pos - (SELECT count(*) FROM seed_conversations) AS base
       )
       INSERT INTO conversation_events (pos, conversation_id, kind, actor_id, user_ids, created_at)
       SELECT clock.base + c.n, c.id, 'CREATED', c.a, ARRAY[c.a, c.b], now() - interval '400 days' FROM seed_conversations c, clock`,
    );
    await client.query(
      `INSERT INTO membership_history (user_id, left_pos, conversation_id, joined_pos)
       SELECT c.b, e.pos, c.id, e.pos FROM seed_conversations c JOIN conversation_events e ON e.conversation_id = c.id WHERE c.n % 5 = 0`,
    );
    // One message in twenty carries a file (attached uploads; the bytes are not seeded).
    await client.query(
      `INSERT INTO uploads (id, uploader_id, conversation_id, file_name, declared_type, declared_size, status, content_type, size, message_id, created_at)
       SELECT gen_random_uuid(), m.sender_id, m.conversation_id, 'seeded-' || m.seq || '.pdf', 'application/pdf', 1000, 'ATTACHED',
              'application/pdf', 1000, m.id, m.created_at
         FROM seed_conversations s JOIN messages m ON m.conversation_id = s.id AND m.seq % 20 = 0`,
    );
    await client.query(
      `UPDATE conversations c SET last_message_id = m.id, last_event_pos = m.pos
         FROM seed_conversations s JOIN messages m ON m.conversation_id = s.id AND m.seq = s.size
        WHERE c.id = s.id`,
    );
    await client.query('COMMIT');
    // The state autovacuum would leave a while later (statistics, visibility map), and a checkpoint,
    // so that what is measured next is the steady state, not the aftermath of a bulk load.
    progress('vacuuming and analyzing the seeded tables…');
    await client.query(
      'VACUUM (ANALYZE) users, conversations, conversation_members, messages, refresh_tokens, conversation_events, membership_history, uploads',
    );
    await client.query('CHECKPOINT').catch(() => undefined); // needs superuser or pg_checkpoint
    return { users, conversations, messages: written, refreshTokens: users, ms: performance.now() - started };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function main() {
  const { values } = parseArgs({
    options: { messages: { type: 'string' }, 'per-conversation': { type: 'string' } },
  });
  const url = process.env.DATABASE_URL;
  const messages = Number(values.messages);
  if (!url || !Number.isInteger(messages) || messages <= 0) {
    console.error('usage: DATABASE_URL=postgresql://... npx tsx scripts/seed-history.ts --messages N [--per-conversation 100]');
    process.exit(2);
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    const result = await seedHistory(pool, {
      messages,
      perConversation: values['per-conversation'] ? Number(values['per-conversation']) : undefined,
      progress: (line) => console.error(line),
    });
    console.log(JSON.stringify(result));
  } finally {
    await pool.end();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
