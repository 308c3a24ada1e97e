/**
 * Helpers shared by the `embolus-api` subcommands.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createStore } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';

/** A command-line mistake: exit 1 with the usage text. */
export class UsageError extends Error {}

/** The value of a required flag. @throws UsageError when missing. */
export function need(v: string | undefined, flag: string): string {
  if (!v) throw new UsageError(`--${flag} is required`);
  return v;
}

/** Runs `f` over the store of `dataDir` (created if missing) and closes it. */
export async function withStore<T>(dataDir: string, f: (store: ReturnType<typeof createStore>) => Promise<T>): Promise<T> {
  mkdirSync(path.resolve(dataDir), { recursive: true });
  const h = openSqlite(path.join(path.resolve(dataDir), 'embolus.sqlite'));
  try {
    return await f(createStore(h.driver));
  } finally {
    h.close();
  }
}
