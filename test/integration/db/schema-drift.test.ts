// The Prisma client trusts prisma/schema.prisma; the database is what the migrations made. This
// test catches the two drifting apart (a schema change without a migration, or the reverse).
//
// Expected columns come from the generated data model (@pothos/plugin-prisma's getDatamodel():
// fields, kinds, types, nullability) plus what it leaves out, read from schema.prisma's text:
// @@map / @map names and @db native types. The two sources are cross-checked first, so a stale
// generated file or a parser blind spot fails loudly instead of comparing too little.
import { readFile } from 'node:fs/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDatamodel } from '../../../src/generated/pothos-prisma-types.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/database.js';

interface SchemaBlock {
  kind: 'model' | 'enum';
  dbName: string;
  fields: Map<string, { dbName: string; nativeType?: string; nativeArgs?: string }>;
}

/** Prisma's default column types on PostgreSQL, by Prisma scalar type. */
const DEFAULT_TYPES: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  BigInt: 'bigint',
  Float: 'double precision',
  Decimal: 'numeric',
  Boolean: 'boolean',
  DateTime: 'timestamp without time zone(3)',
  Json: 'jsonb',
  Bytes: 'bytea',
};

/** Column types of the @db.* attributes; add one here when the schema starts using it. */
const NATIVE_TYPES: Record<string, string> = {
  Uuid: 'uuid',
  Text: 'text',
  VarChar: 'character varying',
  Char: 'character',
  Integer: 'integer',
  SmallInt: 'smallint',
  BigInt: 'bigint',
  Boolean: 'boolean',
  DoublePrecision: 'double precision',
  Real: 'real',
  Decimal: 'numeric',
  Date: 'date',
  Timestamp: 'timestamp without time zone',
  Timestamptz: 'timestamp with time zone',
  JsonB: 'jsonb',
  Json: 'json',
  Inet: 'inet',
};

function parseSchema(text: string): Map<string, SchemaBlock> {
  const blocks = new Map<string, SchemaBlock>();
  for (const [, kind, name, body] of text.matchAll(/^(model|enum)\s+(\w+)\s*\{([\s\S]*?)^\}/gm)) {
    const block: SchemaBlock = { kind: kind as 'model' | 'enum', dbName: name!, fields: new Map() };
    for (const raw of body!.split('\n')) {
      const line = raw.replace(/\/\/.*$/, '').trim();
      if (!line) continue;
      const blockMap = /^@@map\("([^"]+)"\)/.exec(line);
      if (blockMap) block.dbName = blockMap[1]!;
      if (line.startsWith('@@') || kind === 'enum') continue;
      const field = /^(\w+)\s+\w+/.exec(line);
      if (!field) throw new Error(`schema.prisma: cannot parse this line of ${name}: ${line}`);
      const native = /@db\.(\w+)(?:\(([^)]*)\))?/.exec(line);
      block.fields.set(field[1]!, {
        dbName: /@map\("([^"]+)"\)/.exec(line)?.[1] ?? field[1]!,
        ...(native ? { nativeType: native[1], nativeArgs: native[2] } : {}),
      });
    }
    blocks.set(name!, block);
  }
  return blocks;
}

/** "table.column type NULL|NOT NULL", one per column the schema implies. */
async function expectedColumns(): Promise<string[]> {
  const blocks = parseSchema(await readFile(new URL('../../../prisma/schema.prisma', import.meta.url), 'utf8'));
  const { models } = getDatamodel().datamodel;
  const parsedModels = [...blocks].filter(([, block]) => block.kind === 'model').map(([name]) => name);
  expect(Object.keys(models).sort(), 'models in the generated data model vs schema.prisma: run `npm run postinstall`?').toEqual(
    parsedModels.sort(),
  );

  const columns: string[] = [];
  for (const [modelName, model] of Object.entries(models)) {
    const block = blocks.get(modelName)!;
    expect([...block.fields.keys()].sort(), `fields of ${modelName}`).toEqual(model.fields.map((f) => f.name).sort());
    for (const field of model.fields) {
      if (field.kind === 'object') continue; // relations have no column of their own
      const attrs = block.fields.get(field.name)!;
      let type: string;
      if (field.kind === 'enum') {
        type = `USER-DEFINED(${blocks.get(field.type)?.dbName ?? field.type})`;
      } else if (attrs.nativeType) {
        const native = NATIVE_TYPES[attrs.nativeType];
        if (!native)
          throw new Error(`@db.${attrs.nativeType} (${modelName}.${field.name}) is not in NATIVE_TYPES: add its PostgreSQL type`);
        type = native.startsWith('timestamp') ? `${native}(${attrs.nativeArgs || '6'})` : native;
      } else {
        const fallback = DEFAULT_TYPES[field.type];
        if (!fallback)
          throw new Error(`Prisma type ${field.type} (${modelName}.${field.name}) is not in DEFAULT_TYPES: add its PostgreSQL type`);
        type = fallback;
      }
      if (field.isList) type = `ARRAY(${type})`;
      columns.push(`${block.dbName}.${attrs.dbName} ${type} ${field.isRequired ? 'NOT NULL' : 'NULL'}`);
    }
  }
  return columns.sort();
}

/** The same description, read from information_schema. */
async function actualColumns(client: pg.ClientBase): Promise<string[]> {
  const { rows } = await client.query<{ line: string }>(`
    SELECT table_name || '.' || column_name || ' ' ||
           CASE WHEN data_type = 'USER-DEFINED' THEN 'USER-DEFINED(' || udt_name || ')'
                WHEN data_type = 'ARRAY' THEN 'ARRAY(' || substr(udt_name, 2) || ')' -- _uuid: an array of uuid
                WHEN data_type LIKE 'timestamp%' THEN data_type || '(' || datetime_precision || ')'
                ELSE data_type END || ' ' ||
           CASE WHEN is_nullable = 'YES' THEN 'NULL' ELSE 'NOT NULL' END AS line
      FROM information_schema.columns
     WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`);
  return rows.map((row) => row.line).sort();
}

function differences(expected: string[], actual: string[]): { missing: string[]; unexpected: string[] } {
  return { missing: expected.filter((c) => !actual.includes(c)), unexpected: actual.filter((c) => !expected.includes(c)) };
}

describe('schema drift', () => {
  let db: TestDatabase;
  let client: pg.Client;
  let expected: string[];

  beforeAll(async () => {
    expected = await expectedColumns();
    db = await createTestDatabase();
    client = new pg.Client({ connectionString: db.url });
    await client.connect();
  });
  afterAll(async () => {
    await client?.end();
    await db?.drop();
  });

  it('when the migrations are applied, then every model has its table and every column matches its field', async () => {
    expect(expected.length).toBeGreaterThan(20);

    expect(differences(expected, await actualColumns(client))).toEqual({ missing: [], unexpected: [] });

    const { rows } = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const tables = new Set(expected.map((column) => column.split('.')[0]));
    expect(rows.map((r) => r.table_name).sort()).toEqual([...tables].sort());
  });

  // The check above must be able to fail: each case changes the database inside a transaction that
  // is rolled back, and the comparison has to name exactly what changed.
  it.each([
    {
      when: 'a column is missing',
      ddl: 'ALTER TABLE messages DROP COLUMN client_message_id',
      missing: ['messages.client_message_id text NULL'],
      unexpected: [],
    },
    {
      when: 'a column became nullable',
      ddl: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL',
      missing: ['users.email text NOT NULL'],
      unexpected: ['users.email text NULL'],
    },
    {
      when: 'a column became required',
      ddl: 'ALTER TABLE conversations ALTER COLUMN title SET NOT NULL',
      missing: ['conversations.title text NULL'],
      unexpected: ['conversations.title text NOT NULL'],
    },
    {
      when: 'a column has another type',
      ddl: 'ALTER TABLE conversations ALTER COLUMN last_seq TYPE bigint',
      missing: ['conversations.last_seq integer NOT NULL'],
      unexpected: ['conversations.last_seq bigint NOT NULL'],
    },
    {
      when: 'a column has no field',
      ddl: 'ALTER TABLE users ADD COLUMN nickname text',
      missing: [],
      unexpected: ['users.nickname text NULL'],
    },
    {
      when: 'a table has no model',
      ddl: 'CREATE TABLE stray (id integer NOT NULL)',
      missing: [],
      unexpected: ['stray.id integer NOT NULL'],
    },
  ])('when $when, then the comparison reports it', async ({ ddl, missing, unexpected }) => {
    await client.query('BEGIN');
    try {
      await client.query(ddl);
      expect(differences(expected, await actualColumns(client))).toEqual({ missing, unexpected });
    } finally {
      await client.query('ROLLBACK');
    }
  });
});
