/** Files on disk: the DICOM folder layout, train.csv in the RSNA-STR layout, and the manifest. */
import { readFile, readdir } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanFolder } from '@embolus/dicom/node';
import { RSNA_COLUMNS, generateStudy, writeDataset, writeStudy } from '../src/index';
import { SMALL } from './helpers';

const HEADER =
  'StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,pe_present_on_image,negative_exam_for_pe,qa_motion,qa_contrast,flow_artifact,' +
  'rv_lv_ratio_gte_1,rv_lv_ratio_lt_1,leftsided_pe,chronic_pe,true_filling_defect_not_pe,' +
  'rightsided_pe,acute_and_chronic_pe,central_pe,indeterminate';

describe('writeStudy', () => {
  it('writes <dir>/<StudyUID>/<SeriesUID>/<SOPUID>.dcm, readable as one series', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'phantom-study-'));
    const study = generateStudy({ ...SMALL, seed: 4 });
    const series = await writeStudy(dir, study);
    expect(series).toBe(path.join(dir, study.studyInstanceUid, study.seriesInstanceUid));
    expect((await readdir(series)).sort()).toEqual(study.files.map((f) => `${f.sopInstanceUid}.dcm`).sort());
    const scan = await scanFolder(dir);
    expect(scan.skipped).toEqual([]);
    expect(scan.plans).toHaveLength(1);
    expect(scan.plans[0]!.slices).toHaveLength(study.files.length);
  });
});

describe('writeDataset', () => {
  it('writes train.csv with the RSNA-STR columns, one row per slice, matching the labels', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'phantom-set-'));
    const progress: number[] = [];
    const summary = await writeDataset({
      out,
      studies: 6,
      seed: 11,
      positiveRate: 0.5,
      rsnaLayout: true,
      study: { ...SMALL, slices: 30, sliceThicknessMm: 3 },
      onProgress: (done) => progress.push(done),
    });
    expect(progress).toEqual([1, 2, 3, 4, 5, 6]);
    expect(summary.counts).toEqual({ positive: 3, negative: 3, indeterminate: 0 });
    const lines = (await readFile(path.join(out, 'train.csv'), 'utf8')).trimEnd().split('\n');
    expect(lines[0]).toBe(HEADER);
    expect(RSNA_COLUMNS.join(',')).toBe(HEADER);
    expect(lines).toHaveLength(1 + 6 * 30);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.every((r) => r.length === 17)).toBe(true);
    // Per study: identical study columns, and pe_present_on_image rows agree with the manifest.
    const manifest = JSON.parse(await readFile(summary.manifest, 'utf8'));
    for (const s of manifest.studies) {
      const mine = rows.filter((r) => r[0] === s.studyInstanceUid);
      expect(mine).toHaveLength(s.slices);
      expect(mine.filter((r) => r[3] === '1')).toHaveLength(s.positiveSlices);
      expect(new Set(mine.map((r) => r.slice(4).join(','))).size).toBe(1);
      expect(mine[0]![4]).toBe(String(s.labels.negative_exam_for_pe));
      expect(mine[0]![15]).toBe(String(s.labels.central_pe));
      expect(await readdir(path.join(out, s.studyInstanceUid, s.seriesInstanceUid))).toHaveLength(s.slices);
    }
  });

  it('mixes a few percent of indeterminate studies into larger sets, deterministically', async () => {
    const plan = async (seed: number) => {
      const out = await mkdtemp(path.join(tmpdir(), 'phantom-mix-'));
      const s = await writeDataset({ out, studies: 25, seed, study: { preset: 'demo', matrix: 64, slices: 16, sliceThicknessMm: 5 } });
      return s.studies.map((x) => `${x.kind}:${x.studyInstanceUid}`);
    };
    const a = await plan(2);
    expect(a.filter((k) => k.startsWith('indeterminate'))).toHaveLength(1);
    expect(a.filter((k) => k.startsWith('positive'))).toHaveLength(13);
    expect(await plan(2)).toEqual(a);
  });
});
