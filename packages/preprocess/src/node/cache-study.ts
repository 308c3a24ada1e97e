/**
 * One study of the training cache: preprocess, quantise, write under a temporary folder, rename.
 * Runs in the calling thread or in a cache worker (cache-worker.mjs), so it takes and returns
 * plain data.
 */
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isEmbolusError } from '@embolus/shared';
import { SERVE_WINDOWS, TRAIN_WINDOWS, windowLabelsFromSlices } from '../windows';
import { writeNpy, quantizeUint8 } from './npy';
import { preprocessFolder } from './preprocess-folder';
import type { RsnaStudy } from './rsna-layout';
import type { Split } from './split';

/** One line of index.jsonl: a study that is completely in the cache. */
export interface CacheIndexLine {
  study: string;
  split: Split;
  windows: number;
  positiveWindows: number;
  labels: Record<string, 0 | 1>;
}

/** Writes studies/<uid>/ for one study and returns its index line (throws on failure). */
export async function cacheStudy(s: RsnaStudy, outDir: string, split: Split): Promise<CacheIndexLine> {
  const { result, meta } = await preprocessFolder(s.dir, { windows: [SERVE_WINDOWS, TRAIN_WINDOWS] });
  const [serve, train] = result.tensors as [(typeof result.tensors)[0], (typeof result.tensors)[0]];
  const windowLabels = windowLabelsFromSlices(serve.windows, s.positiveSlices);
  const final = path.join(outDir, 'studies', s.studyInstanceUid);
  const tmp = `${final}.partial`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  await writeNpy(path.join(tmp, 'train224.npy'), quantizeUint8(train.data), train.shape);
  await writeNpy(path.join(tmp, 'serve192.npy'), quantizeUint8(serve.data), serve.shape);
  await writeFile(path.join(tmp, 'labels.json'), JSON.stringify({ study: s.labels, windows: windowLabels }));
  await writeFile(path.join(tmp, 'meta.json'), JSON.stringify(meta));
  await rm(final, { recursive: true, force: true });
  await rename(tmp, final);
  return {
    study: s.studyInstanceUid,
    split,
    windows: serve.shape[0],
    positiveWindows: windowLabels.reduce((a, b) => a + b, 0),
    labels: s.labels,
  };
}

/** A study to cache, as sent to a worker. */
export interface CacheJob {
  id: number;
  study: RsnaStudy;
  outDir: string;
  split: Split;
}

/** What a job gives back: its index line, or why it failed (errors cross threads as plain data). */
export type CacheJobResult = { id: number; line: CacheIndexLine } | { id: number; error: { code: string; message: string } };

/** `cacheStudy` that never throws: the form both the sequential loop and the workers use. */
export async function runCacheJob(job: CacheJob): Promise<CacheJobResult> {
  try {
    return { id: job.id, line: await cacheStudy(job.study, job.outDir, job.split) };
  } catch (e) {
    return { id: job.id, error: { code: isEmbolusError(e) ? e.code : 'INTERNAL', message: e instanceof Error ? e.message : String(e) } };
  }
}
