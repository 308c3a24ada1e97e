/**
 * Reading an RSNA-STR PE layout: `train.csv` (one row per slice, study labels repeated on every
 * row) and the DICOM files under `<root>/<StudyUID>/<SeriesUID>/<SOPUID>.dcm` (the Kaggle
 * download puts them under `<root>/train/`; both are accepted). Phantom datasets use the same
 * layout, so one code path serves synthetic and real data.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import { PreprocessError } from '../errors';

/** The RSNA-STR PE train.csv columns, in the competition's order. */
export const RSNA_COLUMNS = [
  'StudyInstanceUID',
  'SeriesInstanceUID',
  'SOPInstanceUID',
  'pe_present_on_image',
  'negative_exam_for_pe',
  'qa_motion',
  'qa_contrast',
  'flow_artifact',
  'rv_lv_ratio_gte_1',
  'rv_lv_ratio_lt_1',
  'leftsided_pe',
  'chronic_pe',
  'true_filling_defect_not_pe',
  'rightsided_pe',
  'acute_and_chronic_pe',
  'central_pe',
  'indeterminate',
] as const;

/** One study of the layout: labels and where its files are. */
export interface RsnaStudy {
  studyInstanceUid: string;
  seriesInstanceUids: string[];
  labels: Record<StudyLabel, 0 | 1>;
  /** SOPInstanceUIDs with pe_present_on_image = 1. */
  positiveSlices: Set<string>;
  slices: number;
  dir: string;
}

function bit(v: string | undefined, file: string, line: number, column: string): 0 | 1 {
  if (v === '0' || v === '0.0') return 0;
  if (v === '1' || v === '1.0') return 1;
  throw new PreprocessError('INVALID_LAYOUT', `${file}:${line}: column ${column} must be 0 or 1, got '${(v ?? '').slice(0, 16)}'`, {
    details: { file, line, column },
  });
}

/** Parses train.csv and locates each study's folder. Throws INVALID_LAYOUT naming file and line. */
export async function readRsnaLayout(root: string): Promise<RsnaStudy[]> {
  const csv = path.join(root, 'train.csv');
  if (!existsSync(csv))
    throw new PreprocessError('INVALID_LAYOUT', `${root}: no train.csv (expected the RSNA-STR PE layout)`, { details: { root } });
  const lines = (await readFile(csv, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(',').map((h) => h.trim());
  const missing = RSNA_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length)
    throw new PreprocessError('INVALID_LAYOUT', `${csv}:1: missing column(s) ${missing.join(', ')}`, { details: { file: csv, missing } });
  const col = Object.fromEntries(header.map((h, i) => [h, i])) as Record<string, number>;
  const studies = new Map<string, RsnaStudy>();
  for (let n = 1; n < lines.length; n++) {
    const f = lines[n]!.split(',').map((x) => x.trim());
    const line = n + 1;
    const uid = f[col.StudyInstanceUID!];
    const sop = f[col.SOPInstanceUID!];
    if (!uid || !sop)
      throw new PreprocessError('INVALID_LAYOUT', `${csv}:${line}: empty StudyInstanceUID or SOPInstanceUID`, {
        details: { file: csv, line },
      });
    const labels = Object.fromEntries(STUDY_LABELS.map((l) => [l, bit(f[col[l]!], csv, line, l)])) as Record<StudyLabel, 0 | 1>;
    let s = studies.get(uid);
    if (!s) {
      const dir = [path.join(root, uid), path.join(root, 'train', uid)].find((d) => existsSync(d));
      if (!dir)
        throw new PreprocessError('INVALID_LAYOUT', `${csv}:${line}: study folder ${uid} not found under ${root} or ${root}/train`, {
          details: { file: csv, line },
        });
      s = { studyInstanceUid: uid, seriesInstanceUids: [], labels, positiveSlices: new Set(), slices: 0, dir };
      studies.set(uid, s);
    } else if (STUDY_LABELS.some((l) => s!.labels[l] !== labels[l])) {
      throw new PreprocessError('INVALID_LAYOUT', `${csv}:${line}: study labels differ between rows of study ${uid}`, {
        details: { file: csv, line },
      });
    }
    const series = f[col.SeriesInstanceUID!] ?? '';
    if (!s.seriesInstanceUids.includes(series)) s.seriesInstanceUids.push(series);
    if (bit(f[col.pe_present_on_image!], csv, line, 'pe_present_on_image')) s.positiveSlices.add(sop);
    s.slices++;
  }
  return [...studies.values()].sort((a, b) => (a.studyInstanceUid < b.studyInstanceUid ? -1 : 1));
}
