/**
 * The training cache: every study of an RSNA layout preprocessed once, stored as uint8 windows
 * (value = u8/255) at 224² for training augmentation and 192² exactly as served, plus labels.
 *
 * Layout (read by packages/trainer):
 *   cache.json                         settings; a rerun with other settings is refused
 *   index.jsonl                        one line per finished study (written last: resume point)
 *   errors.jsonl                       studies that could not be preprocessed, with the reason
 *   studies/<uid>/train224.npy         uint8 [W,3,10,224,224]
 *   studies/<uid>/serve192.npy         uint8 [W,3,10,192,192]
 *   studies/<uid>/labels.json          {"study": {label: 0|1}, "windows": [0|1…]}
 *   studies/<uid>/meta.json            the preprocessing record
 * A study's folder is written under a temporary name and renamed when complete, so an
 * interrupted run leaves no half-written study and resumes where it stopped. With `workers` > 1
 * studies are preprocessed in worker threads (cache-worker.mjs) and finish out of order; the
 * finished index is rewritten in the layout's order, so the trainer (which numbers windows in
 * index order) sees the same cache whatever the number of workers.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STUDY_LABELS } from '@embolus/shared';
import { PreprocessError } from '../errors';
import { SERVE_WINDOWS, TRAIN_WINDOWS, PAPER_CHANNELS } from '../windows';
import { runCacheJob, type CacheIndexLine, type CacheJob, type CacheJobResult } from './cache-study';
import { runPool } from './cache-pool';
import { readRsnaLayout } from './rsna-layout';
import { splitOf } from './split';

export type { CacheIndexLine } from './cache-study';

export const CACHE_SETTINGS = {
  format: 'embolus-cache',
  version: 1,
  windowSlices: 10,
  trainSize: TRAIN_WINDOWS.size,
  serveSize: SERVE_WINDOWS.size,
  channels: PAPER_CHANNELS,
  quantization: { dtype: 'uint8', scale: 255 },
  labels: STUDY_LABELS,
} as const;

export interface CacheProgress {
  done: number;
  total: number;
  skipped: number;
  failed: number;
  study: string;
  ms: number;
}

async function readIndex(file: string): Promise<Map<string, CacheIndexLine>> {
  const out = new Map<string, CacheIndexLine>();
  if (!existsSync(file)) return out;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    try {
      const l = JSON.parse(line) as CacheIndexLine;
      out.set(l.study, l);
    } catch {
      // A line cut by a crash mid-append: that study is simply redone.
    }
  }
  return out;
}

/**
 * Cache workers worth starting here: one per core, at most 8 (each holds ~0.6 GB while it
 * preprocesses a study, and the disk becomes the limit beyond that).
 */
export function defaultCacheWorkers(): number {
  return Math.max(1, Math.min(availableParallelism(), 8));
}

/**
 * Builds (or resumes) a training cache from an RSNA-layout folder. One study's failure is
 * recorded in errors.jsonl and does not stop the others.
 */
export async function buildCache(
  layoutDir: string,
  outDir: string,
  options: {
    split: [number, number, number];
    onProgress?: (p: CacheProgress) => void;
    limit?: number;
    /** Study UID → the UID whose split it shares (keeps a phantom and its embolus-free twin together). */
    splitWith?: ReadonlyMap<string, string>;
    /** Studies preprocessed at once, each in a worker thread (default 1: in this thread). Each takes ~0.6 GB. */
    workers?: number;
  },
): Promise<{ written: number; skipped: number; failed: number; index: CacheIndexLine[] }> {
  const workers = options.workers ?? 1;
  if (!Number.isInteger(workers) || workers < 1)
    throw new PreprocessError('INVALID_CONFIG', `workers must be a positive integer, got ${workers}`);
  const studies = (await readRsnaLayout(layoutDir)).slice(0, options.limit);
  await mkdir(path.join(outDir, 'studies'), { recursive: true });
  const settingsFile = path.join(outDir, 'cache.json');
  // Phantom datasets carry phantom-manifest.json; the flag travels into every model's manifest.
  const synthetic = existsSync(path.join(layoutDir, 'phantom-manifest.json'));
  const settings = JSON.stringify({ ...CACHE_SETTINGS, synthetic });
  if (existsSync(settingsFile)) {
    const existing = JSON.parse(await readFile(settingsFile, 'utf8')) as Record<string, unknown>;
    if (JSON.stringify(existing) !== settings) {
      throw new PreprocessError('CACHE_IO', `${settingsFile} was built with other settings; use a new --out folder`, {
        details: { file: settingsFile },
      });
    }
  } else await writeFile(settingsFile, settings);
  const indexFile = path.join(outDir, 'index.jsonl');
  const index = await readIndex(indexFile);
  let done = 0;
  let written = 0;
  let failed = 0;
  let skipped = 0;
  const jobs: CacheJob[] = [];
  for (const [id, s] of studies.entries()) {
    if (index.has(s.studyInstanceUid) && existsSync(path.join(outDir, 'studies', s.studyInstanceUid, 'labels.json'))) {
      skipped++;
      options.onProgress?.({ done: ++done, total: studies.length, skipped, failed, study: s.studyInstanceUid, ms: 0 });
    } else {
      jobs.push({ id, study: s, outDir, split: splitOf(options.splitWith?.get(s.studyInstanceUid) ?? s.studyInstanceUid, options.split) });
    }
  }
  // Results arrive one at a time in this thread, so index.jsonl and errors.jsonl have one writer.
  const finished = async (r: CacheJobResult, ms: number) => {
    const uid = studies[r.id]!.studyInstanceUid;
    if ('line' in r) {
      await appendFile(indexFile, JSON.stringify(r.line) + '\n');
      index.set(r.line.study, r.line);
      written++;
    } else {
      failed++;
      await appendFile(path.join(outDir, 'errors.jsonl'), JSON.stringify({ study: uid, ...r.error }) + '\n');
    }
    options.onProgress?.({ done: ++done, total: studies.length, skipped, failed, study: uid, ms });
  };
  if (workers === 1 || jobs.length <= 1) {
    for (const job of jobs) {
      const t0 = performance.now();
      await finished(await runCacheJob(job), performance.now() - t0);
    }
  } else {
    await runPool(new URL('./cache-worker.mjs', import.meta.url), jobs, Math.min(workers, jobs.length), finished);
  }
  // The index in layout order (studies of earlier runs that this layout lacks stay, at the end).
  const order = new Map(studies.map((s, i) => [s.studyInstanceUid, i]));
  const lines = [...index.values()].sort((a, b) => (order.get(a.study) ?? studies.length) - (order.get(b.study) ?? studies.length));
  if (written > 0) {
    await writeFile(`${indexFile}.tmp`, lines.map((l) => JSON.stringify(l) + '\n').join(''));
    await rename(`${indexFile}.tmp`, indexFile);
  }
  return { written, skipped, failed, index: lines };
}
