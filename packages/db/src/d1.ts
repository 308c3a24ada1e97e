/**
 * The D1 driver (Cloudflare Workers). Safe to bundle for Workers: no Node imports.
 */
import { drizzle } from 'drizzle-orm/d1';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import type { AnyDb, BatchStatement, D1DatabaseLike, SqlDriver } from './driver';
import { schema } from './schema';

interface D1Statement {
  bind(...values: unknown[]): D1Statement;
  all(): Promise<{ results?: Record<string, unknown>[] }>;
  run(): Promise<unknown>;
}

const dialect = new SQLiteAsyncDialect();

/**
 * Wraps a D1 binding. Migrations are applied outside the Worker (`wrangler d1 migrations apply`
 * or, in tests, `applyD1Migrations`), because a Worker has no file system to read them from.
 */
export function d1Driver(binding: D1DatabaseLike): SqlDriver {
  // drizzle's parameter type names the workers-types D1Database, which this repo does not install.
  const db = drizzle(binding as never, { schema });
  const anyDb = db as unknown as AnyDb;
  return {
    name: 'd1',
    maxParameters: 100,
    db: anyDb,
    async batch(statements: BatchStatement[]) {
      if (statements.length === 0) return [];
      // drizzle's d1 batch cannot bind parameters of raw `sql` queries, so render them with the
      // dialect and hand them to D1 directly. D1 runs a batch as one transaction.
      const prepared = statements.map((s) => {
        const q = dialect.sqlToQuery(s.sql);
        return (binding.prepare(q.sql) as D1Statement).bind(...q.params);
      });
      const out = (await binding.batch(prepared)) as { results?: Record<string, unknown>[] }[];
      return out.map((r, i) => (statements[i]?.mode === 'all' ? (r.results ?? []) : []));
    },
    async select(sqlText, params) {
      const res = await (binding.prepare(sqlText) as D1Statement).bind(...params).all();
      return res.results ?? [];
    },
    async execute(sqlText, params) {
      await (binding.prepare(sqlText) as D1Statement).bind(...params).run();
    },
  };
}
