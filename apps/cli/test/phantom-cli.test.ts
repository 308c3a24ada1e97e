/**
 * `embolus phantom` as a user runs it: the real executable, small studies, the DICOM folder
 * layout, the RSNA-STR train.csv, progress on stderr, and usage errors.
 */
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDicomInfo } from '@embolus/dicom';
import { scanFolder } from '@embolus/dicom/node';
import { embolus } from './cli-helpers';

const HEADER =
  'StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,pe_present_on_image,negative_exam_for_pe,qa_motion,qa_contrast,flow_artifact,' +
  'rv_lv_ratio_gte_1,rv_lv_ratio_lt_1,leftsided_pe,chronic_pe,true_filling_defect_not_pe,' +
  'rightsided_pe,acute_and_chronic_pe,central_pe,indeterminate';
const SMALL = ['--preset', 'demo', '--matrix', '96', '--slices', '32', '--slice-thickness', '3'];

describe('embolus phantom', () => {
  it('writes <out>/<StudyUID>/<SeriesUID>/<SOPUID>.dcm and an RSNA-layout train.csv', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'embolus-phantom-'));
    const r = await embolus([
      'phantom',
      '--out',
      out,
      '--studies',
      '4',
      '--seed',
      '7',
      '--positive-rate',
      '0.5',
      '--rsna-layout',
      ...SMALL,
      '--json',
    ]);
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ studies: 4, slices: 128, counts: { positive: 2, negative: 2, indeterminate: 0 } });
    // One progress line per study on stderr.
    expect(
      r.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('phantom ')),
    ).toHaveLength(4);

    const csv = (await readFile(path.join(out, 'train.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv[0]).toBe(HEADER);
    expect(csv).toHaveLength(1 + 4 * 32);
    const rows = csv.slice(1).map((l) => l.split(','));
    const studies = [...new Set(rows.map((r) => r[0]!))];
    expect(studies).toHaveLength(4);
    for (const study of studies) {
      const [series] = await readdir(path.join(out, study));
      const files = await readdir(path.join(out, study, series!));
      const mine = rows.filter((r) => r[0] === study);
      expect(mine.every((r) => r[1] === series)).toBe(true);
      expect(files.sort()).toEqual(mine.map((r) => `${r[2]}.dcm`).sort());
      // Positive studies have a positive slice; negative ones none.
      const negative = mine[0]![4] === '1';
      expect(mine.some((r) => r[3] === '1')).toBe(!negative);
    }
    const scan = await scanFolder(path.join(out, studies[0]!));
    expect(scan.plans).toHaveLength(1);
    expect(scan.plans[0]).toMatchObject({ rows: 96, cols: 96, axial: true, modality: 'CT' });
    expect(scan.plans[0]!.slices).toHaveLength(32);
  });

  it('gives the same files for the same seed, anonymized unless --identified', async () => {
    const a = await mkdtemp(path.join(tmpdir(), 'embolus-phantom-a-'));
    const b = await mkdtemp(path.join(tmpdir(), 'embolus-phantom-b-'));
    const args = ['--studies', '1', '--seed', '3', '--quiet', ...SMALL];
    expect((await embolus(['phantom', '--out', a, ...args])).code).toBe(0);
    expect((await embolus(['phantom', '--out', b, ...args])).code).toBe(0);
    const [study] = await readdir(a);
    const [series] = await readdir(path.join(a, study!));
    const dir = path.join(study!, series!);
    const files = (await readdir(path.join(a, dir))).sort();
    expect((await readdir(path.join(b, dir))).sort()).toEqual(files);
    const first = path.join(dir, files[0]!);
    expect(Buffer.compare(await readFile(path.join(a, first)), await readFile(path.join(b, first)))).toBe(0);
    // Anonymized as written; --identified writes the pseudonym and a StudyID into the same file.
    const c = await mkdtemp(path.join(tmpdir(), 'embolus-phantom-c-'));
    expect((await embolus(['phantom', '--out', c, ...args, '--identified'])).code).toBe(0);
    const header = async (root: string) => readDicomInfo(new Uint8Array(await readFile(path.join(root, first)))).parsed.dataSet;
    const plain = await header(a);
    const named = await header(c);
    for (const tag of ['x00100010', 'x00100020', 'x00200010']) expect(plain.elements[tag]?.length, tag).toBe(0);
    expect(named.string('x00100020')).toMatch(/^PHANTOM-\d+$/);
    expect(named.string('x00100010')).toBe(named.string('x00100020'));
    expect(named.string('x00200010')).toBe('1');
  });

  it('exits 1 with a usage line for missing or bad arguments', async () => {
    for (const args of [
      ['--studies', '2', '--seed', '1'],
      ['--out', '/tmp/x', '--studies', 'two', '--seed', '1'],
      ['--out', '/tmp/x', '--studies', '2', '--seed', '1', '--matrix', '4096'],
      ['--out', '/tmp/x', '--studies', '2', '--seed', '1', '--slices', '40', '--z-extent', '100'],
      ['--out', '/tmp/x', '--studies', '2', '--seed', '1', '--storage', 'float'],
      ['--out', '/tmp/x', '--studies', '2', '--seed', '1', '--bogus'],
    ]) {
      const r = await embolus(['phantom', ...args]);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/^error USAGE: /);
    }
  });
});
