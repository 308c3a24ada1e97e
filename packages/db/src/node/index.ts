/**
 * `@embolus/db/node`: the Node-only half of the package (better-sqlite3, node:fs). Kept behind
 * its own export subpath so the Workers bundle never imports it.
 */
export { MIGRATIONS_DIR, FolderBlobStore, openSqlite, sqliteDriver, type SqliteHandle } from './stores';
export { fsck, formatFsckReport, type BadRow, type FsckReport } from './fsck';
export { cleanLeftovers, listBlobFiles, type BlobFile, type LeftoverReport } from './leftovers';
