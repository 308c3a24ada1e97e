#!/usr/bin/env node
/**
 * `npm run bench`: every `bench:*` script of the root package.json, in the order they are listed,
 * stopping at the first that fails (what a chain of `npm run bench:… &&` did, without a line that
 * grows past the house width with each new benchmark).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { scripts } = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

for (const name of Object.keys(scripts).filter((s) => s.startsWith('bench:'))) {
  const r = spawnSync(npm, ['run', name], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
