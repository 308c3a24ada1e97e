/**
 * Node stores: the SQLite database (better-sqlite3, with the committed migrations) and the folder
 * blob store (node:fs).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { assertBlobKey, assertBlobPrefix, type BlobHead, type BlobStore, type BlobStream } from '../blob';
import type { AnyDb, BatchStatement, SqlDriver } from '../driver';
import { DbError } from '../errors';
import { walkFiles } from './walk-files';
import { schema } from '../schema';

/** The committed drizzle-kit migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** An open SQLite file with its driver. */
export interface SqliteHandle {
  driver: SqlDriver;
  sqlite: Database.Database;
  close(): void;
}

/**
 * Opens (creating if needed) a SQLite database file, or `:memory:`, and applies the migrations.
 * WAL lets readers proceed while a writer commits; foreign keys are on, as D1 has them.
 */
export function openSqlite(file: string, options: { migrate?: boolean } = {}): SqliteHandle {
  const sqlite = new Database(file);
  if (file !== ':memory:') sqlite.pragma('journal_mode = WAL');
  // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commits.
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle(sqlite, { schema });
  if (options.migrate !== false) migrate(db, { migrationsFolder: MIGRATIONS_DIR });
  return { driver: sqliteDriver(db), sqlite, close: () => sqlite.close() };
}

/** Wraps a better-sqlite3 drizzle database as a SqlDriver. */
export function sqliteDriver(db: ReturnType<typeof drizzle<typeof schema>>): SqlDriver {
  const prepared = new Map<string, Database.Statement>();
  const statement = (sqlText: string): Database.Statement => {
    let stmt = prepared.get(sqlText);
    if (!stmt) {
      stmt = db.$client.prepare(sqlText);
      // Callers build a bounded set of texts (one per filter shape); the cap is a safety net.
      if (prepared.size < 256) prepared.set(sqlText, stmt);
    }
    return stmt;
  };
  return {
    name: 'better-sqlite3',
    maxParameters: 32_766,
    db: db as unknown as AnyDb,
    async batch(statements: BatchStatement[]) {
      // better-sqlite3 is synchronous: the whole transaction runs without yielding.
      return db.transaction((tx) =>
        statements.map((s) => (s.mode === 'all' ? (tx.all(s.sql) as Record<string, unknown>[]) : (tx.run(s.sql), []))),
      );
    },
    async select(sqlText, params) {
      return statement(sqlText).all(...params) as Record<string, unknown>[];
    },
    async execute(sqlText, params) {
      statement(sqlText).run(...params);
    },
  };
}

/**
 * A BlobStore in a folder. Writes go to a temporary file in the target folder and are renamed
 * into place, so a crash never leaves a half-written blob under its key.
 */
export class FolderBlobStore implements BlobStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = path.resolve(root);
  }

  private file(key: string): string {
    assertBlobKey(key);
    const f = path.resolve(this.root, key);
    // assertBlobKey already forbids `..`; this is the belt to its braces.
    if (!f.startsWith(this.root + path.sep)) throw new DbError('INVALID_BLOB_KEY', 'blob key escapes the folder');
    return f;
  }

  async put(key: string, data: Uint8Array, _options: { contentType?: string } = {}): Promise<void> {
    const f = this.file(key);
    const tmp = `${f}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(path.dirname(f), { recursive: true });
      await writeFile(tmp, data);
      await rename(tmp, f);
    } catch (e) {
      await rm(tmp, { force: true }).catch(() => undefined);
      throw new DbError('BLOB_STORE_FAILED', 'blob put failed', { cause: e, details: { op: 'put', key } });
    }
  }

  async get(key: string): Promise<Uint8Array | null> {
    const f = this.file(key);
    try {
      const b = await readFile(f);
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DbError('BLOB_STORE_FAILED', 'blob get failed', { cause: e, details: { op: 'get', key } });
    }
  }

  async getStream(key: string): Promise<BlobStream | null> {
    const head = await this.head(key);
    if (!head) return null;
    const stream = Readable.toWeb(createReadStream(this.file(key))) as ReadableStream<Uint8Array>;
    return { ...head, stream };
  }

  async head(key: string): Promise<BlobHead | null> {
    const f = this.file(key);
    try {
      const s = await stat(f);
      return s.isFile() ? { size: s.size } : null;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new DbError('BLOB_STORE_FAILED', 'blob head failed', { cause: e, details: { op: 'head', key } });
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await rm(this.file(key), { force: true });
    } catch (e) {
      throw new DbError('BLOB_STORE_FAILED', 'blob delete failed', { cause: e, details: { op: 'delete', key } });
    }
  }

  async list(prefix: string): Promise<string[]> {
    assertBlobPrefix(prefix);
    const out: string[] = [];
    const fail = (e: unknown): never => {
      throw new DbError('BLOB_STORE_FAILED', 'blob list failed', { cause: e, details: { op: 'list', prefix } });
    };
    // Start at the deepest folder the prefix names instead of walking the whole store.
    const base = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    for await (const f of walkFiles(base ? path.join(this.root, base) : this.root, base, fail)) {
      if (!f.name.endsWith('.tmp') && f.rel.startsWith(prefix)) out.push(f.rel);
    }
    return out.sort();
  }
}
