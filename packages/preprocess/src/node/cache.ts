/**
 * The training cache: every study of an RSNA layout preprocessed once, stored as uint8 windows
 * (value = u8/255) at 224² for training augmentation and 192² exactly as served, plus labels.
 *
 * Layout (read by apps/gpu-runner/trainer):
 *   cache.json                         settings; a rerun with other settings is refused
 *   index.jsonl                        one line per finished study (written last: resume point)
 *   errors.jsonl                       studies that could not be preprocessed, with the reason
 *   studies/<uid>/train224.npy         uint8 [W,3,10,224,224]
 *   studies/<uid>/serve192.npy         uint8 [W,3,10,192,192]
 *   studies/<uid>/labels.json          {"study": {label: 0|1}, "windows": [0|1…]}
 *   studies/<uid>/meta.json            the preprocessing record
 * A study's folder is written under a temporary name and renamed when complete, so an
 * interrupted run leaves no half-written study and resumes where it stopped.
 */
import { existsSync } from 'node:fs';
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { STUDY_LABELS } from '@embolus/shared';
import { isEmbolusError } from '@embolus/shared';
import { PreprocessError } from '../errors';
import { SERVE_WINDOWS, TRAIN_WINDOWS, windowLabelsFromSlices } from '../windows';
import { PAPER_CHANNELS } from '../windows';
import { writeNpy, quantizeUint8 } from './npy';
import { preprocessFolder } from './preprocess-folder';
import { readRsnaLayout, type RsnaStudy } from './rsna-layout';
import { splitOf, type Split } from './split';

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

export interface CacheIndexLine {
  study: string;
  split: Split;
  windows: number;
  positiveWindows: number;
  labels: Record<string, 0 | 1>;
}

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

async function cacheStudy(s: RsnaStudy, outDir: string, split: Split): Promise<CacheIndexLine> {
  const { result, meta } = await preprocessFolder(s.dir, { windows: [SERVE_WINDOWS, TRAIN_WINDOWS] });
  const [serve, train] = result.tensors as [typeof result.tensors[0], typeof result.tensors[0]];
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
  return { study: s.studyInstanceUid, split, windows: serve.shape[0], positiveWindows: windowLabels.reduce((a, b) => a + b, 0), labels: s.labels };
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
  },
): Promise<{ written: number; skipped: number; failed: number; index: CacheIndexLine[] }> {
  const studies = (await readRsnaLayout(layoutDir)).slice(0, options.limit);
  await mkdir(path.join(outDir, 'studies'), { recursive: true });
  const settingsFile = path.join(outDir, 'cache.json');
  // Phantom datasets carry phantom-manifest.json; the flag travels into every model's manifest.
  const synthetic = existsSync(path.join(layoutDir, 'phantom-manifest.json'));
  const settings = JSON.stringify({ ...CACHE_SETTINGS, synthetic });
  if (existsSync(settingsFile)) {
    const existing = JSON.parse(await readFile(settingsFile, 'utf8')) as Record<string, unknown>;
    if (JSON.stringify(existing) !== settings) {
      throw new PreprocessError('CACHE_IO', `${settingsFile} was built with other settings; use a new --out folder`, { details: { file: settingsFile } });
    }
  } else await writeFile(settingsFile, settings);
  const indexFile = path.join(outDir, 'index.jsonl');
  const index = await readIndex(indexFile);
  let written = 0;
  let failed = 0;
  let skipped = 0;
  for (const [i, s] of studies.entries()) {
    const t0 = performance.now();
    if (index.has(s.studyInstanceUid) && existsSync(path.join(outDir, 'studies', s.studyInstanceUid, 'labels.json'))) {
      skipped++;
    } else {
      try {
        const line = await cacheStudy(s, outDir, splitOf(options.splitWith?.get(s.studyInstanceUid) ?? s.studyInstanceUid, options.split));
        await appendFile(indexFile, JSON.stringify(line) + '\n');
        index.set(line.study, line);
        written++;
      } catch (e) {
        failed++;
        const code = isEmbolusError(e) ? e.code : 'INTERNAL';
        const message = e instanceof Error ? e.message : String(e);
        await appendFile(path.join(outDir, 'errors.jsonl'), JSON.stringify({ study: s.studyInstanceUid, code, message }) + '\n');
      }
    }
    options.onProgress?.({ done: i + 1, total: studies.length, skipped, failed, study: s.studyInstanceUid, ms: performance.now() - t0 });
  }
  return { written, skipped, failed, index: [...index.values()] };
}
