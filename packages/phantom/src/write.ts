/**
 * Writing phantoms to disk: one study as `<dir>/<StudyUID>/<SeriesUID>/<SOPUID>.dcm`, or a whole
 * data set with an RSNA-STR style `train.csv` and a manifest of the ground truth.
 */
import { mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Embolus } from './emboli';
import { PhantomError } from './errors';
import { RSNA_COLUMNS, type PhantomLabels } from './labels';
import type { ScanProtocol, StudyKind, StudyOptions } from './options';
import { validateOptions } from './options';
import { deriveSeed, rngFor } from './random';
import { generateStudy, type PhantomStudy } from './study';

async function guard<T>(what: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    throw new PhantomError('WRITE_FAILED', `${what}: ${msg}`, { cause: e });
  }
}

/** Writes a study's files under `dir` and returns the series folder. */
export async function writeStudy(dir: string, study: PhantomStudy): Promise<string> {
  const series = path.join(dir, study.studyInstanceUid, study.seriesInstanceUid);
  await guard(`cannot write ${series}`, async () => {
    await mkdir(series, { recursive: true });
    await Promise.all(study.files.map((f) => writeFile(path.join(series, `${f.sopInstanceUid}.dcm`), f.bytes)));
  });
  return series;
}

/** The `train.csv` rows (no header) of a study, one per slice, in RSNA_COLUMNS order. */
export function rsnaRows(study: PhantomStudy): string[] {
  return study.sliceLabels.map((s) => {
    const row: Record<(typeof RSNA_COLUMNS)[number], string | number> = {
      ...study.labels,
      StudyInstanceUID: study.studyInstanceUid,
      SeriesInstanceUID: study.seriesInstanceUid,
      SOPInstanceUID: s.sopInstanceUid,
      pe_present_on_image: s.pe_present_on_image,
    };
    return RSNA_COLUMNS.map((c) => row[c]).join(',');
  });
}

/** Options of {@link writeDataset}. */
export interface DatasetOptions {
  out: string;
  studies: number;
  seed: number;
  /** Share of positive studies (default 0.5). */
  positiveRate?: number;
  /** Share of indeterminate studies (default 0.04). */
  indeterminateRate?: number;
  /** Also write `<out>/train.csv` in the RSNA-STR PE layout. */
  rsnaLayout?: boolean;
  /** Scan options shared by every study (each study still draws what is unset from its own seed). */
  study?: Omit<StudyOptions, 'seed' | 'kind' | 'positiveRate' | 'indeterminateRate' | 'patientNumber' | 'embolusFree'>;
  /**
   * Also write each positive study's embolus-free twin (`StudyOptions.embolusFree`) right after
   * it, as an extra negative study of the same pseudonym; its manifest line names the positive
   * study in `twinOf`. `studies` counts the drawn studies, twins come on top.
   */
  twins?: boolean;
  /** Called after each study is written. */
  onProgress?: (done: number, total: number, study: DatasetStudySummary) => void;
}

/** One line of the manifest. */
export interface DatasetStudySummary {
  index: number;
  seed: number;
  patientId: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  kind: StudyKind;
  slices: number;
  positiveSlices: number;
  labels: PhantomLabels;
  rvLvRatio: number;
  emboli: Pick<Embolus, 'artery' | 'location' | 'chronic' | 'morphology' | 'centre' | 'radiusMm' | 'lengthMm' | 'hu' | 'zRange'>[];
  protocol: ScanProtocol;
  /** For an embolus-free twin: the StudyInstanceUID of its positive study. */
  twinOf?: string;
  ms: number;
}

/** What {@link writeDataset} wrote. */
export interface DatasetSummary {
  out: string;
  studies: DatasetStudySummary[];
  counts: Record<StudyKind, number>;
  slices: number;
  /** Path of train.csv, when written. */
  csv?: string;
  manifest: string;
}

/**
 * Study kinds for a data set: exactly round(N·p) positive and round(N·q) indeterminate studies,
 * in a seeded random order, so small sets still have the requested mix.
 */
function datasetKinds(n: number, seed: number, p: number, q: number): StudyKind[] {
  const pos = Math.round(n * p);
  const ind = Math.min(n - pos, Math.round(n * Math.min(q, 1 - p)));
  const kinds: StudyKind[] = Array.from({ length: n }, (_, i) => (i < pos ? 'positive' : i < pos + ind ? 'indeterminate' : 'negative'));
  const rng = rngFor(seed, 'dataset-order');
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [kinds[i], kinds[j]] = [kinds[j]!, kinds[i]!];
  }
  return kinds;
}

/**
 * Generates and writes `studies` studies one at a time (memory stays at one study), with
 * `phantom-manifest.json` (labels, emboli and protocol of each study) and, with `rsnaLayout`,
 * `train.csv`. Study i uses seed `deriveSeed(seed, 'study-' + i)` and pseudonym PHANTOM-(i+1).
 */
export async function writeDataset(o: DatasetOptions): Promise<DatasetSummary> {
  if (!Number.isSafeInteger(o.studies) || o.studies < 1)
    throw new PhantomError('INVALID_OPTIONS', 'studies must be a positive integer', { details: { studies: o.studies } });
  validateOptions({ ...o.study, seed: o.seed, positiveRate: o.positiveRate, indeterminateRate: o.indeterminateRate });
  const kinds = datasetKinds(o.studies, o.seed, o.positiveRate ?? 0.5, o.indeterminateRate ?? 0.04);
  await guard(`cannot create ${o.out}`, () => mkdir(o.out, { recursive: true }));
  const csvPath = path.join(o.out, 'train.csv');
  const csv = o.rsnaLayout ? await guard(`cannot write ${csvPath}`, () => open(csvPath, 'w')) : undefined;
  const summary: DatasetSummary = {
    out: o.out,
    studies: [],
    counts: { negative: 0, positive: 0, indeterminate: 0 },
    slices: 0,
    manifest: path.join(o.out, 'phantom-manifest.json'),
  };
  try {
    if (csv) await csv.write(RSNA_COLUMNS.join(',') + '\n');
    const total = o.studies + (o.twins ? kinds.filter((k) => k === 'positive').length : 0);
    for (let i = 0; i < o.studies; i++) {
      const seed = deriveSeed(o.seed, `study-${i}`);
      const variants = o.twins && kinds[i] === 'positive' ? [false, true] : [false];
      let positiveUid: string | undefined;
      for (const embolusFree of variants) {
        const t0 = performance.now();
        const study = generateStudy({ ...o.study, seed, kind: kinds[i]!, patientNumber: i + 1, ...(embolusFree ? { embolusFree } : {}) });
        await writeStudy(o.out, study);
        if (csv) await csv.write(rsnaRows(study).join('\n') + '\n');
        const line: DatasetStudySummary = {
          index: i,
          seed,
          patientId: study.patientId,
          studyInstanceUid: study.studyInstanceUid,
          seriesInstanceUid: study.seriesInstanceUid,
          kind: study.kind,
          slices: study.files.length,
          positiveSlices: study.sliceLabels.filter((s) => s.pe_present_on_image === 1).length,
          labels: study.labels,
          rvLvRatio: study.truth.rvLvRatio,
          emboli: study.truth.emboli.map(({ artery, location, chronic, morphology, centre, radiusMm, lengthMm, hu, zRange }) => ({
            artery,
            location,
            chronic,
            morphology,
            centre,
            radiusMm,
            lengthMm,
            hu,
            zRange,
          })),
          protocol: study.protocol,
          ...(embolusFree ? { twinOf: positiveUid } : {}),
          ms: Math.round(performance.now() - t0),
        };
        positiveUid = study.studyInstanceUid;
        summary.studies.push(line);
        summary.counts[study.kind]++;
        summary.slices += study.files.length;
        o.onProgress?.(summary.studies.length, total, line);
      }
    }
  } finally {
    await csv?.close();
  }
  if (csv) summary.csv = csvPath;
  const manifest = {
    generator: '@embolus/phantom',
    note: 'Synthetic data: no patient data. Not for clinical use.',
    seed: o.seed,
    counts: summary.counts,
    studies: summary.studies,
  };
  await guard(`cannot write ${summary.manifest}`, () => writeFile(summary.manifest, JSON.stringify(manifest, null, 1) + '\n'));
  return summary;
}
