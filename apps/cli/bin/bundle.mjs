// The CLI's prebuilt bundle: the commands of src/bundled.ts and the series-decoding worker,
// bundled by esbuild into dist/<key>/ so they start without tsx (about half a second less per run,
// and again in each decode worker). The bundle records a hash of every source file it was built
// from; it is used only while all of them still match, and rebuilt otherwise. Packages from
// node_modules stay outside the bundle and load as usual. Plain JavaScript: it runs before tsx.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DIST = path.join(ROOT, 'apps/cli/dist');
const CURRENT = path.join(DIST, 'current.json');
const ENTRIES = { bundled: 'apps/cli/src/bundled.ts', 'decode-worker': 'packages/dicom/src/node/decode-worker.ts' };
const FORMAT = 1;

const hashFile = (rel) =>
  createHash('sha1')
    .update(readFileSync(path.join(ROOT, rel)))
    .digest('hex');

/**
 * The current bundle: its folder, its commands, and whether it still matches every source it was
 * built from (`fresh`); undefined when none was built. `dist` is for tests.
 */
export function currentBundle(dist = DIST) {
  let cur;
  try {
    cur = JSON.parse(readFileSync(path.join(dist, 'current.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (cur.format !== FORMAT) return undefined;
  let fresh = true;
  try {
    for (const [rel, h] of Object.entries(cur.inputs)) if (hashFile(rel) !== h) fresh = false;
  } catch {
    fresh = false;
  }
  return { dir: path.join(dist, cur.key), commands: cur.commands, fresh };
}

/**
 * Builds the bundle with esbuild and makes it current. Safe to race: each build writes its own
 * folder and the pointer file is replaced atomically. Throws when esbuild is missing or the
 * folder is not writable; the launcher then runs the sources.
 */
export async function buildBundle() {
  const esbuild = await import('esbuild');
  const tmp = path.join(DIST, `.build-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: ENTRIES,
      outdir: tmp,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      metafile: true,
      logLevel: 'silent',
      define: { __EMBOLUS_BUNDLE__: 'true' },
      plugins: [
        {
          // Workspace packages (@embolus/*, TypeScript sources) go in; everything from npm stays out.
          name: 'external-npm-packages',
          setup(b) {
            b.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith('@embolus/') ? undefined : { path: a.path, external: true }));
          },
        },
      ],
    });
    const inputs = Object.fromEntries(
      Object.keys(result.metafile.inputs)
        .sort()
        .map((rel) => [rel, hashFile(rel)]),
    );
    const key = createHash('sha1').update(JSON.stringify(inputs)).digest('hex').slice(0, 16);
    const { BUNDLED_COMMANDS } = await import(path.join(tmp, 'bundled.mjs'));
    const dir = path.join(DIST, key);
    try {
      renameSync(tmp, dir);
    } catch (e) {
      // Another process built the same sources first (same key, same files): use its folder,
      // never replace it, since that process may be loading from it right now.
      if (e?.code !== 'ENOTEMPTY' && e?.code !== 'EEXIST') throw e;
    }
    const pointer = `${CURRENT}.${process.pid}`;
    writeFileSync(pointer, JSON.stringify({ format: FORMAT, key, commands: BUNDLED_COMMANDS, inputs }));
    renameSync(pointer, CURRENT);
    removeStale(key);
    return { dir, commands: BUNDLED_COMMANDS, fresh: true };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Removes bundles other than `keep` older than a day (a running process may still use a recent one). */
function removeStale(keep) {
  for (const name of readdirSync(DIST)) {
    const p = path.join(DIST, name);
    if (name === keep || name === 'current.json') continue;
    try {
      if (Date.now() - statSync(p).mtimeMs > 86_400_000) rmSync(p, { recursive: true, force: true });
    } catch {
      // Another process removed it first.
    }
  }
}
