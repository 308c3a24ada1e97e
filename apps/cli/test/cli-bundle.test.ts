/**
 * The prebuilt CLI bundle (bin/bundle.mjs): `embolus preprocess` from it writes exactly what the
 * TypeScript sources write (decode workers included), and a bundle is only used while every
 * source it was built from is unchanged.
 */
import { mkdtemp, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embolus } from './cli-helpers';
// @ts-expect-error plain JavaScript launcher module, no types
import { currentBundle } from '../bin/bundle.mjs';

type Bundle = { dir: string; commands: string[]; fresh: boolean } | undefined;
const current = currentBundle as (dist?: string) => Bundle;

let root: string;
let series: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'embolus-bundle-'));
  const data = path.join(root, 'data');
  // A demo phantom has more than 16 instances, so loading decodes on worker threads.
  const r = await embolus([
    'phantom',
    '--out',
    data,
    '--studies',
    '1',
    '--seed',
    '5',
    '--preset',
    'demo',
    '--matrix',
    '128',
    '--positive-rate',
    '1',
    '--quiet',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const study = (await readdir(data, { withFileTypes: true })).find((e) => e.isDirectory())!.name;
  series = path.join(data, study);
}, 60_000);

const withoutTimings = (meta: string) => {
  const m = JSON.parse(meta);
  delete m.timingsMs;
  for (const s of m.steps) delete s.ms;
  return m;
};

describe('embolus preprocess from the bundle', () => {
  it('writes the same windows and meta as from the sources, and leaves a fresh bundle that holds the command', async () => {
    const bundled = await embolus(['preprocess', series, '--out', path.join(root, 'bundled')]);
    expect(bundled.code, bundled.stderr).toBe(0);
    const b = current();
    expect(b?.fresh).toBe(true);
    expect(b?.commands).toEqual(expect.arrayContaining(['preprocess', 'dicom', 'series']));
    const sources = await embolus(['preprocess', series, '--out', path.join(root, 'sources')], { env: { EMBOLUS_NO_BUNDLE: '1' } });
    expect(sources.code, sources.stderr).toBe(0);
    const [wb, ws] = await Promise.all([
      readFile(path.join(root, 'bundled', 'windows.npy')),
      readFile(path.join(root, 'sources', 'windows.npy')),
    ]);
    expect(wb.equals(ws)).toBe(true);
    expect(withoutTimings(await readFile(path.join(root, 'bundled', 'meta.json'), 'utf8'))).toEqual(
      withoutTimings(await readFile(path.join(root, 'sources', 'meta.json'), 'utf8')),
    );
  }, 120_000);

  it('keeps typed errors and exit codes', async () => {
    const r = await embolus(['preprocess', path.join(root, 'missing'), '--out', path.join(root, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error NOT_DICOM: /m);
    const u = await embolus(['preprocess', series]);
    expect(u.code).toBe(1);
    expect(u.stderr).toMatch(/^error USAGE: usage: embolus preprocess/m);
  }, 60_000);

  it('counts a bundle as stale once a source it was built from changes', async () => {
    const dist = path.join(root, 'dist');
    await mkdir(dist, { recursive: true });
    const rel = 'apps/cli/src/bundled.ts';
    const src = await readFile(path.resolve(import.meta.dirname, '../../..', rel));
    const { createHash } = await import('node:crypto');
    const hash = (b: Buffer | string) => createHash('sha1').update(b).digest('hex');
    const pointer = (h: string) =>
      writeFile(path.join(dist, 'current.json'), JSON.stringify({ format: 1, key: 'k', commands: ['preprocess'], inputs: { [rel]: h } }));
    await pointer(hash(src));
    expect(current(dist)?.fresh).toBe(true);
    await pointer(hash(Buffer.concat([src, Buffer.from('\n')])));
    expect(current(dist)?.fresh).toBe(false);
    expect(current(path.join(root, 'no-such-dist'))).toBeUndefined();
  });
});
