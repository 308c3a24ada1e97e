/**
 * Finding and reading DICOM files on disk: listing, scanning a folder into series, loading the
 * chosen series (exported through `src/node/index.ts` as `@embolus/dicom/node`).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { readBytes } from './read-bytes';
import { readDicomInfo } from '../decode';
import { DicomError } from '../errors';
import type { InstanceInfo } from '../instance-info';
import { chooseSeries, groupBySeries, planSeries, type SeriesChoice, type SeriesPlan } from '../series';
import type { Volume } from '../volume';

/** Lists regular files under `dir`, recursively, sorted; skips hidden files and text notes. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.name.startsWith('.')) continue;
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && !/\.(md|txt|json|csv|npy)$/i.test(e.name)) out.push(p);
    }
  };
  const s = await stat(dir).catch(() => undefined);
  if (!s) throw new DicomError('NOT_DICOM', `${dir}: no such file or directory`);
  if (s.isFile()) return [dir];
  await walk(dir);
  return out.sort();
}

/** The result of scanning a folder: series found, the choice, and files that were skipped. */
export interface FolderScan {
  infos: InstanceInfo[];
  plans: SeriesPlan[];
  skipped: { file: string; code: string; message: string }[];
}

/** Reads the header of every file under `dir` and plans each series. Unreadable files are listed, not fatal. */
export async function scanFolder(dir: string): Promise<FolderScan> {
  const infos: InstanceInfo[] = [];
  const skipped: FolderScan['skipped'] = [];
  for (const file of await listFiles(dir)) {
    try {
      infos.push(readDicomInfo(await readBytes(file), { source: file }).info);
    } catch (e) {
      const err = e instanceof DicomError ? e : new DicomError('MALFORMED', String(e));
      skipped.push({ file, code: err.code, message: err.message });
    }
  }
  const plans: SeriesPlan[] = [];
  for (const group of groupBySeries(infos).values()) {
    if (group.some((i) => i.pixel)) plans.push(planSeries(group));
  }
  return { infos, plans, skipped };
}

/**
 * Scans a folder, chooses the series to analyse and decodes it into a HU volume, on `workers`
 * threads (default: the machine's cores, at most 4; 1 decodes on the calling thread).
 */
export async function loadStudyVolume(dir: string, options: { workers?: number } = {}): Promise<{ scan: FolderScan; choice: SeriesChoice; volume: Volume }> {
  const scan = await scanFolder(dir);
  const choice = chooseSeries(scan.plans);
  const { assembleVolumeParallel, defaultDecodeWorkers } = await import('./parallel-volume');
  const volume = await assembleVolumeParallel(choice.chosen, options.workers ?? defaultDecodeWorkers());
  return { scan, choice, volume };
}
