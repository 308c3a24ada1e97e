/**
 * The pipeline on synthetic CTPA phantoms, whose ground truth (lungs, emboli) is known exactly.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { assembleVolume, chooseSeries, groupBySeries, planSeries, readDicomInfo } from '@embolus/dicom';
import { generateStudy, writeDataset, type PhantomStudy } from '@embolus/phantom';
import { compose, fillPadding, fromDicomVolume, lungMask, preprocess } from '../src/index';
import { buildCache, readNpy, splitOf } from '../src/node/index';

async function volumeOf(study: PhantomStudy) {
  const byName = new Map(study.files.map((f) => [f.sopInstanceUid, f.bytes]));
  const infos = study.files.map((f) => readDicomInfo(f.bytes, { source: f.sopInstanceUid }).info);
  const plan = chooseSeries([...groupBySeries(infos).values()].map(planSeries)).chosen;
  return assembleVolume(plan, async (s) => byName.get(s)!);
}

describe('lung mask against phantom ground truth', () => {
  for (const seed of [11, 12, 13]) {
    it(`Dice ≥ 0.95 on phantom seed ${seed}`, async () => {
      const study = generateStudy({ seed, preset: 'demo', kind: seed === 12 ? 'negative' : 'positive' });
      const vol = await volumeOf(study);
      const v = compose([fillPadding(), lungMask()])(fromDicomVolume(vol));
      const truth = study.truth.lungMask();
      const mask = v.lungMask!;
      expect(mask.length).toBe(truth.length);
      let inter = 0;
      let a = 0;
      let b = 0;
      for (let i = 0; i < truth.length; i++) {
        inter += truth[i]! & mask[i]!;
        a += truth[i]!;
        b += mask[i]!;
      }
      const dice = (2 * inter) / (a + b);
      console.log(`phantom ${seed}: lung Dice ${dice.toFixed(4)}`);
      expect(dice).toBeGreaterThanOrEqual(0.95);
    }, 30_000);
  }

  it('keeps every embolus inside the crop', async () => {
    const study = generateStudy({ seed: 21, preset: 'demo', kind: 'positive' });
    const r = preprocess(await volumeOf(study));
    const crop = r.record.find((s) => s.step === 'cropToLungBox')!.boxPatientMm as { first: number[]; last: number[] };
    for (const e of study.truth.emboli) {
      for (let i = 0; i < 3; i++) {
        expect(e.centre[i]!).toBeGreaterThanOrEqual(Math.min(crop.first[i]!, crop.last[i]!) - 1);
        expect(e.centre[i]!).toBeLessThanOrEqual(Math.max(crop.first[i]!, crop.last[i]!) + 1);
      }
    }
  }, 30_000);
});

describe('training cache from an RSNA-layout phantom data set', () => {
  it('writes windows, labels and an index, resumes, and records failures', async () => {
    const root = await mkdtemp(path.join(tmpdir(), 'embolus-cache-'));
    try {
      const data = await writeDataset({
        out: path.join(root, 'data'),
        studies: 3,
        seed: 5,
        positiveRate: 0.67,
        rsnaLayout: true,
        study: { preset: 'demo', matrix: 128 },
      });
      const out = path.join(root, 'cache');
      const first = await buildCache(data.out, out, { split: [1, 0, 0], limit: 1 });
      expect(first.written).toBe(1);
      const second = await buildCache(data.out, out, { split: [1, 0, 0] });
      expect(second).toMatchObject({ written: 2, skipped: 1, failed: 0 });
      const settings = JSON.parse(await readFile(path.join(out, 'cache.json'), 'utf8'));
      expect(settings).toMatchObject({ format: 'embolus-cache', version: 1, trainSize: 224, serveSize: 192, synthetic: true });
      const index = (await readFile(path.join(out, 'index.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(index.map((l) => l.study).sort()).toEqual(data.studies.map((s) => s.studyInstanceUid).sort());
      for (const line of index) {
        const dir = path.join(out, 'studies', line.study);
        const serve = await readNpy(path.join(dir, 'serve192.npy'));
        const train = await readNpy(path.join(dir, 'train224.npy'));
        expect(serve.data).toBeInstanceOf(Uint8Array);
        expect(serve.shape).toEqual([line.windows, 3, 10, 192, 192]);
        expect(train.shape).toEqual([line.windows, 3, 10, 224, 224]);
        const labels = JSON.parse(await readFile(path.join(dir, 'labels.json'), 'utf8'));
        const truth = data.studies.find((s) => s.studyInstanceUid === line.study)!;
        expect(labels.windows).toHaveLength(line.windows);
        // A study with positive slices has positive windows, and a negative one has none.
        expect(labels.windows.some((w: number) => w === 1)).toBe(truth.positiveSlices > 0);
        expect(labels.study.negative_exam_for_pe).toBe(truth.labels.negative_exam_for_pe);
        expect(existsSync(path.join(dir, 'meta.json'))).toBe(true);
      }
      // splitWith: a study takes the split of the UID it is mapped to (twins stay together).
      const moved = data.studies[1]!.studyInstanceUid;
      const own = splitOf(moved, [0.5, 0.5, 0]);
      const key = ['1.2.3', '1.2.4', '1.2.5', '1.2.6', '1.2.7', '1.2.8'].find((k) => splitOf(k, [0.5, 0.5, 0]) !== own)!;
      const grouped = await buildCache(data.out, path.join(root, 'cache-grouped'), {
        split: [0.5, 0.5, 0],
        limit: 2,
        splitWith: new Map([[moved, key]]),
      });
      expect(grouped.index.find((l) => l.study === moved)!.split).toBe(splitOf(key, [0.5, 0.5, 0]));
      // A study whose files are unreadable is recorded in errors.jsonl; the others are cached.
      const broken = data.studies[0]!;
      const seriesDir = path.join(data.out, broken.studyInstanceUid, broken.seriesInstanceUid);
      for (const f of await readdir(seriesDir)) await writeFile(path.join(seriesDir, f), 'not dicom');
      const out2 = path.join(root, 'cache2');
      const third = await buildCache(data.out, out2, { split: [1, 0, 0] });
      expect(third).toMatchObject({ written: 2, failed: 1 });
      const errors = (await readFile(path.join(out2, 'errors.jsonl'), 'utf8'))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(errors).toEqual([expect.objectContaining({ study: broken.studyInstanceUid, code: 'NO_CT_SERIES' })]);
      expect(existsSync(path.join(out2, 'studies', broken.studyInstanceUid))).toBe(false);
      // A missing study folder is a layout error, named with its train.csv line.
      const csv = await readFile(path.join(data.out, 'train.csv'), 'utf8');
      await writeFile(path.join(data.out, 'train.csv'), csv + csv.split('\n')[1]!.replace(/^[^,]+/, '9.9.9') + '\n');
      await expect(buildCache(data.out, out, { split: [1, 0, 0] })).rejects.toMatchObject({
        code: 'INVALID_LAYOUT',
        message: expect.stringMatching(/train\.csv:\d+: study folder 9\.9\.9 not found/),
      });
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  }, 120_000);
});
