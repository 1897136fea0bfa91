// EXPLAIN for captured statements: replays each one's SQL with its own parameters under
// `EXPLAIN (FORMAT JSON)` (planned, never executed) and walks the plan for sequential scans.
import type pg from 'pg';
import type { CapturedStatement } from './sql-capture-proxy.js';

export type PlanNode = { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[]; [key: string]: unknown };

/** Statements EXPLAIN can take; transaction control, SET and the like are skipped. */
const EXPLAINABLE = /^\s*(\(\s*)*(select|insert|update|delete|with|merge|values)\b/i;

export const isExplainable = (statement: CapturedStatement) =>
  EXPLAINABLE.test(statement.sql) && !/pg_catalog|_prisma_migrations/.test(statement.sql);

export async function explain(client: pg.Pool | pg.ClientBase, statement: CapturedStatement): Promise<PlanNode> {
  const sql = await withDeclaredTypes(client, statement);
  const { rows } = await client.query<{ 'QUERY PLAN': { Plan: PlanNode }[] }>(`EXPLAIN (FORMAT JSON) ${sql}`, statement.params);
  return rows[0]!['QUERY PLAN'][0]!.Plan;
}

/** Every node of the plan that reads all of a table: Seq Scan, and its parallel form. */
export function sequentialScans(plan: PlanNode): string[] {
  const found: string[] = [];
  const walk = (node: PlanNode) => {
    if (/Seq Scan/.test(node['Node Type']) && node['Relation Name']) found.push(node['Relation Name']);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk(plan);
  return found;
}

/**
 * Parameters the client typed in Parse (Prisma does, for some) are cast to the same type, so the
 * replay is planned as the original was; untyped ones are inferred by the server the same way.
 */
async function withDeclaredTypes(client: pg.Pool | pg.ClientBase, statement: CapturedStatement): Promise<string> {
  const typed = statement.paramTypes.map((oid, index) => ({ oid, index })).filter(({ oid }) => oid !== 0);
  if (typed.length === 0) return statement.sql;
  const { rows } = await client.query<{ oid: number; name: string }>(
    'SELECT oid::int AS oid, format_type(oid, NULL) AS name FROM pg_type WHERE oid = ANY($1)',
    [typed.map((t) => t.oid)],
  );
  const names = new Map(rows.map((r) => [r.oid, r.name]));
  let sql = statement.sql;
  // Highest index first, so that $1 is not rewritten inside $10.
  for (const { oid, index } of typed.sort((a, b) => b.index - a.index)) {
    sql = sql.replace(new RegExp(`\\$${index + 1}(?!\\d)`, 'g'), `$${index + 1}::${names.get(oid)}`);
  }
  return sql;
}
