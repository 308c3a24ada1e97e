/**
 * The training cache built by worker threads: the same bytes and the same index order as the
 * sequential build, a dead worker fails only its study, and a worker that cannot start stops the
 * build with a clear error.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataset, type DatasetSummary } from '@embolus/phantom';
import { buildCache } from '../src/node/index';
import { runPool } from '../src/node/cache-pool';
import type { CacheJob, CacheJobResult } from '../src/node/cache-study';

let root: string;
let data: DatasetSummary;

async function digest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const uid of await readdir(path.join(dir, 'studies'))) {
    for (const f of ['train224.npy', 'serve192.npy', 'labels.json']) {
      out[`${uid}/${f}`] = createHash('sha256')
        .update(await readFile(path.join(dir, 'studies', uid, f)))
        .digest('hex');
    }
  }
  return out;
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'embolus-cache-workers-'));
  data = await writeDataset({
    out: path.join(root, 'data'),
    studies: 4,
    seed: 9,
    positiveRate: 0.5,
    rsnaLayout: true,
    study: { preset: 'demo', matrix: 96 },
  });
}, 60_000);

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('buildCache with worker threads', () => {
  it('writes what the sequential build writes, with the index in layout order', async () => {
    const one = path.join(root, 'one');
    const two = path.join(root, 'two');
    const progress: number[] = [];
    const a = await buildCache(data.out, one, { split: [0.5, 0.5, 0] });
    const b = await buildCache(data.out, two, { split: [0.5, 0.5, 0], workers: 2, onProgress: (p) => progress.push(p.done) });
    expect(b).toMatchObject({ written: 4, skipped: 0, failed: 0 });
    expect(progress).toEqual([1, 2, 3, 4]);
    expect(await digest(two)).toEqual(await digest(one));
    const index = await readFile(path.join(two, 'index.jsonl'), 'utf8');
    expect(index).toBe(await readFile(path.join(one, 'index.jsonl'), 'utf8'));
    expect(b.index.map((l) => l.study)).toEqual(a.index.map((l) => l.study));
    // Resuming with workers skips every finished study and leaves the index as it was.
    const again = await buildCache(data.out, two, { split: [0.5, 0.5, 0], workers: 2 });
    expect(again).toMatchObject({ written: 0, skipped: 4, failed: 0 });
    expect(await readFile(path.join(two, 'index.jsonl'), 'utf8')).toBe(index);
  }, 240_000);

  it('records a study that fails in a worker and caches the others', async () => {
    const copy = path.join(root, 'broken');
    await writeDataset({ out: copy, studies: 3, seed: 9, rsnaLayout: true, study: { preset: 'demo', matrix: 96 } });
    const csv = (await readFile(path.join(copy, 'train.csv'), 'utf8')).split('\n');
    const uid = csv[1]!.split(',')[0]!;
    const seriesDir = path.join(copy, uid, (await readdir(path.join(copy, uid)))[0]!);
    for (const f of await readdir(seriesDir)) await writeFile(path.join(seriesDir, f), 'not dicom');
    const out = path.join(root, 'broken-cache');
    const r = await buildCache(copy, out, { split: [1, 0, 0], workers: 2 });
    expect(r).toMatchObject({ written: 2, failed: 1 });
    const errors = (await readFile(path.join(out, 'errors.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(errors).toEqual([expect.objectContaining({ study: uid, code: 'NO_CT_SERIES' })]);
  }, 240_000);

  it('refuses a worker count that is not a positive integer', async () => {
    await expect(buildCache(data.out, path.join(root, 'bad'), { split: [1, 0, 0], workers: 0 })).rejects.toMatchObject({
      code: 'INVALID_CONFIG',
    });
  });
});

describe('the cache worker pool', () => {
  const jobs: CacheJob[] = [0, 1, 2, 3].map((id) => ({
    id,
    outDir: '/nowhere',
    split: 'train',
    study: {
      studyInstanceUid: `1.2.${id}`,
      seriesInstanceUids: [],
      labels: {} as CacheJob['study']['labels'],
      positiveSlices: new Set(),
      slices: 0,
      dir: '',
    },
  }));

  it('fails only the job whose worker died, replaces the worker and finishes the rest', async () => {
    const seen: CacheJobResult[] = [];
    await runPool(new URL('./fixtures/crashing-cache-worker.mjs', import.meta.url), jobs, 2, async (r) => void seen.push(r));
    expect(seen.map((r) => r.id).sort()).toEqual([0, 1, 2, 3]);
    const dead = seen.find((r) => r.id === 1)!;
    expect(dead).toMatchObject({ error: { code: 'WORKER_FAILED', message: expect.stringContaining('exited with code 3') } });
    expect(seen.filter((r) => 'line' in r)).toHaveLength(3);
  });

  it('stops with a clear error when a worker cannot load its code', async () => {
    const seen: CacheJobResult[] = [];
    await expect(
      runPool(new URL('./fixtures/broken-cache-worker.mjs', import.meta.url), jobs, 2, async (r) => void seen.push(r)),
    ).rejects.toMatchObject({ code: 'CACHE_IO', message: expect.stringContaining('cannot find package tsx') });
    expect(seen).toEqual([]);
  });
});
