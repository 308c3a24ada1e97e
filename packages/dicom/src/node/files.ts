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
  const scan = new ScanBuilder();
  for (const file of await listFiles(dir)) scan.add(file, await readBytes(file));
  return scan.finish();
}

/** Collects instance headers (unreadable ones as skipped) and plans each series: the folder and in-memory scans. */
export class ScanBuilder {
  private readonly infos: InstanceInfo[] = [];
  private readonly skipped: FolderScan['skipped'] = [];

  /** Reads the header of one instance, `source` naming it in errors and in the plan. */
  add(source: string, bytes: Uint8Array): void {
    try {
      this.infos.push(readDicomInfo(bytes, { source }).info);
    } catch (e) {
      const err = e instanceof DicomError ? e : new DicomError('MALFORMED', String(e));
      this.skipped.push({ file: source, code: err.code, message: err.message });
    }
  }

  finish(): FolderScan {
    const plans: SeriesPlan[] = [];
    for (const group of groupBySeries(this.infos).values()) {
      if (group.some((i) => i.pixel)) plans.push(planSeries(group));
    }
    return { infos: this.infos, plans, skipped: this.skipped };
  }
}

/**
 * Refuses a series whose HU volume (float32) would exceed `maxBytes`, before it is allocated.
 * Throws DicomError VOLUME_TOO_LARGE naming the sizes, never a value from the data set.
 */
export function checkVolumeSize(plan: SeriesPlan, maxBytes: number | undefined): void {
  const bytes = plan.slices.length * plan.rows * plan.cols * 4;
  if (maxBytes !== undefined && bytes > maxBytes) {
    const mib = (n: number) => Math.ceil(n / 2 ** 20);
    throw new DicomError(
      'VOLUME_TOO_LARGE',
      `the chosen series (${plan.slices.length} slices of ${plan.cols}x${plan.rows}) needs ${mib(bytes)} MiB as a volume; ` +
        `the limit is ${mib(maxBytes)} MiB`,
      {
        details: { slices: plan.slices.length, rows: plan.rows, cols: plan.cols, limitBytes: maxBytes },
      },
    );
  }
}

/** Options of a study load. */
export interface LoadStudyOptions {
  /** Decoding threads (default: the machine's cores, at most 4; 1 decodes on the calling thread). */
  workers?: number;
  /** Refuse (VOLUME_TOO_LARGE) a chosen series whose float32 HU volume exceeds this, before allocating it. */
  maxVolumeBytes?: number;
}

/**
 * Scans a folder, chooses the series to analyse and decodes it into a HU volume, on `workers`
 * threads. Reads each file twice (header scan, then decode); a study already in memory loads
 * with `loadStudyVolumeFromMemory` instead.
 */
export async function loadStudyVolume(
  dir: string,
  options: LoadStudyOptions = {},
): Promise<{ scan: FolderScan; choice: SeriesChoice; volume: Volume }> {
  const scan = await scanFolder(dir);
  const choice = chooseSeries(scan.plans);
  checkVolumeSize(choice.chosen, options.maxVolumeBytes);
  const { assembleVolumeParallel, defaultDecodeWorkers } = await import('./parallel-volume');
  const volume = await assembleVolumeParallel(choice.chosen, options.workers ?? defaultDecodeWorkers());
  return { scan, choice, volume };
}
