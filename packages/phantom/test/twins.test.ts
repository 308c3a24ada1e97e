/** Embolus-free twins: the same patient and scan as a positive study, without its clots. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PhantomError, generateStudy, writeDataset } from '../src/index';
import { SMALL, decodeStudy, huAt } from './helpers';

describe('embolus-free twin', () => {
  const opts = { ...SMALL, seed: 42, kind: 'positive' as const };
  const positive = generateStudy(opts);
  const twin = generateStudy({ ...opts, embolusFree: true });

  it('is a negative study with its own UIDs and the same scan', () => {
    expect(twin.kind).toBe('negative');
    expect(twin.labels.negative_exam_for_pe).toBe(1);
    expect(twin.labels.central_pe + twin.labels.leftsided_pe + twin.labels.rightsided_pe + twin.labels.rv_lv_ratio_gte_1).toBe(0);
    expect(twin.truth.emboli).toEqual([]);
    expect(twin.sliceLabels.every((s) => s.pe_present_on_image === 0)).toBe(true);
    expect(twin.studyInstanceUid).not.toBe(positive.studyInstanceUid);
    expect(new Set([...twin.files, ...positive.files].map((f) => f.sopInstanceUid)).size).toBe(2 * positive.files.length);
    expect(twin.files.map((f) => f.z)).toEqual(positive.files.map((f) => f.z));
    expect(twin.protocol).toEqual(positive.protocol);
  });

  it('differs from its positive study only on the slices the emboli reach, and there in the clot', async () => {
    const [a, b] = [await decodeStudy(positive), await decodeStudy(twin)];
    const [, rows, cols] = positive.truth.shape;
    const changed = positive.sliceLabels.map((_, k) => {
      for (let i = k * rows * cols; i < (k + 1) * rows * cols; i++) if (a[i] !== b[i]) return true;
      return false;
    });
    expect(changed.some(Boolean)).toBe(true);
    changed.forEach((c, k) => {
      if (c) expect(positive.sliceLabels[k]!.pe_present_on_image).toBe(1);
    });
    // At a clot's centre the positive study shows clot (< 100 HU) and the twin contrast (> 150 HU).
    const e = positive.truth.emboli.find((x) => x.morphology !== 'eccentric')!;
    expect(huAt(positive, a, e.centre)).toBeLessThan(100);
    expect(huAt(twin, b, e.centre)).toBeGreaterThan(150);
  });

  it('is refused for a study that is not positive', () => {
    expect(() => generateStudy({ ...SMALL, seed: 42, kind: 'negative', embolusFree: true })).toThrow(PhantomError);
    expect(() => generateStudy({ ...SMALL, seed: 42, kind: 'negative', embolusFree: true })).toThrow(/embolusFree needs a positive study/);
  });
});

describe('writeDataset with twins', () => {
  it('writes each positive study followed by its twin, named in twinOf, on top of the drawn studies', async () => {
    const out = await mkdtemp(path.join(tmpdir(), 'phantom-twins-'));
    const progress: [number, number][] = [];
    const s = await writeDataset({
      out,
      studies: 4,
      seed: 3,
      positiveRate: 0.5,
      twins: true,
      rsnaLayout: true,
      study: { ...SMALL, slices: 30, sliceThicknessMm: 3 },
      onProgress: (d, t) => progress.push([d, t]),
    });
    expect(s.counts).toEqual({ positive: 2, negative: 4, indeterminate: 0 });
    expect(progress.map(([d]) => d)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(progress.every(([, t]) => t === 6)).toBe(true);
    const manifest = JSON.parse(await readFile(s.manifest, 'utf8'));
    const twins = manifest.studies.filter((x: { twinOf?: string }) => x.twinOf);
    expect(twins).toHaveLength(2);
    for (const t of twins) {
      const i = manifest.studies.indexOf(t);
      expect(manifest.studies[i - 1].studyInstanceUid).toBe(t.twinOf);
      expect(manifest.studies[i - 1].kind).toBe('positive');
      expect(t.kind).toBe('negative');
      expect(t.patientId).toBe(manifest.studies[i - 1].patientId);
    }
    const csv = (await readFile(path.join(out, 'train.csv'), 'utf8')).trimEnd().split('\n');
    expect(csv).toHaveLength(1 + 6 * 30);
  });
});
