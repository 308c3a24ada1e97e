/**
 * The one thing that differs between better-sqlite3 and D1: how several statements run
 * atomically. Everything else goes through drizzle's common `BaseSQLiteDatabase` API, awaited
 * (sync drizzle queries are thenables too).
 */
import type { SQL } from 'drizzle-orm';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { schema } from './schema';

/**
 * A drizzle SQLite database over either driver. The result kind is erased: repositories only
 * `await` queries, which works for both the sync (better-sqlite3) and the async (D1) flavour.
 */
export type AnyDb = BaseSQLiteDatabase<'async', unknown, typeof schema>;

/** One statement of an atomic batch: `all` returns rows (SELECT, … RETURNING), `run` does not. */
export interface BatchStatement {
  sql: SQL;
  mode: 'run' | 'all';
}

/** A database plus the driver-specific atomic batch. */
export interface SqlDriver {
  readonly name: 'better-sqlite3' | 'd1';
  /** Most bound parameters one statement may take (D1: 100; SQLite: 32766). */
  readonly maxParameters: number;
  readonly db: AnyDb;
  /**
   * Runs the statements in one transaction (D1: `batch`, better-sqlite3: a synchronous
   * transaction) and returns the rows of each (`[]` for `run` statements). Either all take
   * effect or none does; conditional statements (`… WHERE EXISTS`) make later ones depend on
   * earlier ones.
   */
  batch(statements: BatchStatement[]): Promise<Record<string, unknown>[][]>;
  /**
   * Runs a SELECT given as SQL text with `?` parameters and returns raw rows (column names as in
   * the SQL). For hot read paths only: it skips drizzle's query building and per-field mapping,
   * and better-sqlite3 reuses one prepared statement per distinct text.
   */
  select(sqlText: string, params: readonly (string | number | null)[]): Promise<Record<string, unknown>[]>;
  /** Runs one write given as SQL text with `?` parameters; the write-side twin of `select`. */
  execute(sqlText: string, params: readonly (string | number | null)[]): Promise<void>;
}

/** A D1 binding as far as this package needs it (structural, so no workers-types dependency). */
export interface D1DatabaseLike {
  prepare(query: string): unknown;
  batch(statements: unknown[]): Promise<unknown[]>;
  exec(query: string): Promise<unknown>;
}

/** Shorthand for batch statements. */
export const run = (q: SQL): BatchStatement => ({ sql: q, mode: 'run' });
export const all = (q: SQL): BatchStatement => ({ sql: q, mode: 'all' });
