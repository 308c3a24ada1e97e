/**
 * Walking a blob folder (Node): the store's listing and the leftovers check read the same tree.
 */
import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** A regular file found by {@link walkFiles}: its key-like relative path and its path on disk. */
export interface WalkedFile {
  rel: string;
  full: string;
  name: string;
}

/**
 * Every regular file under `dir` (whose relative path is `rel`), depth first; symlinks and other
 * non-files are skipped, and a folder that is missing (or vanishes mid-walk) has none. Other
 * read errors go through `fail`, which throws the caller's typed error.
 */
export async function* walkFiles(
  dir: string,
  rel = '',
  fail: (e: unknown) => never = (e) => {
    throw e;
  },
): AsyncGenerator<WalkedFile> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    fail(e);
  }
  for (const ent of entries) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    const full = path.join(dir, ent.name);
    if (ent.isDirectory()) yield* walkFiles(full, r, fail);
    else if (ent.isFile()) yield { rel: r, full, name: ent.name };
  }
}
