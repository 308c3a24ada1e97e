/**
 * `embolus preprocess` and `embolus cache` as users run them, on a small phantom data set.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { embolus, readNpy } from './cli-helpers';

let data: string;
let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'embolus-pp-cli-'));
  data = path.join(root, 'data');
  const r = await embolus([
    'phantom',
    '--out',
    data,
    '--studies',
    '2',
    '--seed',
    '3',
    '--rsna-layout',
    '--preset',
    'demo',
    '--matrix',
    '128',
    '--positive-rate',
    '1',
    '--quiet',
  ]);
  expect(r.code, r.stderr).toBe(0);
}, 60_000);

describe('embolus preprocess', () => {
  it('writes windows.npy [W,3,10,192,192] and meta.json with steps, crop, map, lungs, timings', async () => {
    const [study] = (await readdir(data, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
    const out = path.join(root, 'pp');
    const r = await embolus(['preprocess', path.join(data, study!), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const w = readNpy(await readFile(path.join(out, 'windows.npy')));
    expect(w.shape.slice(1)).toEqual([3, 10, 192, 192]);
    const meta = JSON.parse(await readFile(path.join(out, 'meta.json'), 'utf8'));
    expect(meta.steps.map((s: { step: string }) => s.step)).toEqual([
      'orderBottomToTop',
      'fillPadding',
      'resampleIsotropic',
      'lungMask',
      'cropToLungBox',
    ]);
    expect(meta.windows).toHaveLength(w.shape[0]!);
    expect(meta.lungLitres).toBeGreaterThan(0.5);
    expect(meta.cropBox.voxels.start).toHaveLength(3);
    expect(meta.cropBox.patientMm.first).toHaveLength(3);
    expect(meta.spacing.output).toEqual([1, 1, 1]);
    expect(Object.keys(meta.timingsMs)).toEqual(expect.arrayContaining(['loadSeries', 'resampleIsotropic', 'lungMask', 'windows192']));
  }, 60_000);
});

describe('embolus cache', () => {
  it('builds the cache with progress in worker threads, then resumes without redoing work', async () => {
    const out = path.join(root, 'cache');
    const first = await embolus(['cache', data, '--out', out, '--split', '1:0:0', '--workers', '2']);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(/cache \[#+\] 2\/2 100%/);
    expect(first.stderr).toMatch(/2 written, 0 already there, 0 failed/);
    const again = await embolus(['cache', data, '--out', out, '--split', '1:0:0']);
    expect(again.stderr).toMatch(/0 written, 2 already there, 0 failed/);
    const index = (await readFile(path.join(out, 'index.jsonl'), 'utf8')).trim().split('\n');
    expect(index).toHaveLength(2);
    // One worker thread or two: the same index, in the layout's order.
    const serial = await embolus(['cache', data, '--out', path.join(root, 'cache-1'), '--split', '1:0:0', '--workers', '1']);
    expect(serial.code, serial.stderr).toBe(0);
    expect(await readFile(path.join(root, 'cache-1', 'index.jsonl'), 'utf8')).toBe(await readFile(path.join(out, 'index.jsonl'), 'utf8'));
    const bad = await embolus(['cache', data, '--out', path.join(root, 'c3'), '--workers', '0']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error USAGE: --workers takes a positive integer/m);
  }, 180_000);

  it('refuses a folder without train.csv with a typed error', async () => {
    const r = await embolus(['cache', root, '--out', path.join(root, 'c2')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error INVALID_LAYOUT: .*no train\.csv/m);
  });
});
