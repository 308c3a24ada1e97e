/**
 * Loading a model directory and analysing a phantom study end to end with the tiny-width
 * fixture models (random weights: the test checks plumbing, shapes and invariants, not accuracy).
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeStudy, generateStudy } from '@embolus/phantom';
import { AnalysisResultSchema, STUDY_LABELS, check } from '@embolus/shared';
import { analyzeFolder, loadModel, type LoadedModel } from '../src/index';
import { FIXTURES } from './fixtures/npy';

let root: string;
let modelDir: string;
let studyDir: string;
let model: LoadedModel;

/** What the demo model declares: 0.5–3 mm slices, lung coverage measured but not required (slabs). */
const SLAB_ACQUISITION = {
  trainedOn: { sliceThicknessMm: [2, 2.5], sliceSpacingMm: [2, 2.5] },
  sliceThicknessMm: { min: 0.5, max: 3 },
  sliceSpacingMm: { min: 0.5, max: 3 },
  minSlices: 40,
  maxLungCutFraction: null,
  maxObliquityDeg: 30,
};

async function makeModelDir(
  dir: string,
  thresholdOverrides: Record<string, number> = {},
  extra: Record<string, unknown> = { acquisition: SLAB_ACQUISITION },
): Promise<void> {
  const files: Record<string, { path: string; sha256: string }> = {};
  for (const f of ['phase1', 'phase2']) {
    await copyFile(path.join(FIXTURES, `${f}.onnx`), path.join(dir, `${f}.onnx`));
    files[f] = {
      path: `${f}.onnx`,
      sha256: createHash('sha256')
        .update(await readFile(path.join(dir, `${f}.onnx`)))
        .digest('hex'),
    };
  }
  const thresholds = {
    pe_present_on_image: 0.15,
    negative_exam_for_pe: 0.8,
    indeterminate: 0.05,
    chronic_pe: 0.05,
    acute_and_chronic_pe: 0.05,
    central_pe: 0.05,
    leftsided_pe: 0.15,
    rightsided_pe: 0.15,
    rv_lv_ratio_gte_1: 0.15,
    rv_lv_ratio_lt_1: 0.15,
    ...thresholdOverrides,
  };
  await writeFile(
    path.join(dir, 'manifest.json'),
    JSON.stringify({
      version: 'fixture-1',
      trainedOn: 'nothing (random tiny weights)',
      notForClinicalUse: true,
      files,
      featureDim: 16,
      sequenceLength: 40,
      windowSlices: 10,
      inputSize: 192,
      thresholds,
      ...extra,
    }),
  );
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'embolus-infer-'));
  modelDir = path.join(root, 'model');
  await (await import('node:fs/promises')).mkdir(modelDir);
  await makeModelDir(modelDir);
  const study = generateStudy({ seed: 4, preset: 'demo', kind: 'positive', matrix: 128 });
  studyDir = await writeStudy(path.join(root, 'data'), study);
  model = await loadModel(modelDir, { executionProvider: 'cpu' });
}, 60_000);
afterAll(async () => {
  await model?.release();
  await rm(root, { recursive: true, force: true });
});

describe('loadModel', () => {
  it('loads on CPU and identifies the model by its manifest hash', () => {
    expect(model.executionProvider).toBe('cpu');
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.manifest.featureDim).toBe(16);
  });

  it('refuses a model whose ONNX file does not match its checksum', async () => {
    const bad = path.join(root, 'bad');
    await (await import('node:fs/promises')).mkdir(bad);
    await makeModelDir(bad);
    await writeFile(path.join(bad, 'phase2.onnx'), 'tampered');
    await expect(loadModel(bad)).rejects.toMatchObject({ code: 'MODEL_CHECKSUM' });
  });

  it('names what is wrong with a manifest, and a missing model', async () => {
    const bad = path.join(root, 'bad-manifest');
    await (await import('node:fs/promises')).mkdir(bad);
    await writeFile(path.join(bad, 'manifest.json'), JSON.stringify({ version: 'x', trainedOn: 'y', notForClinicalUse: false }));
    await expect(loadModel(bad)).rejects.toMatchObject({ code: 'MODEL_INVALID', message: expect.stringMatching(/notForClinicalUse/) });
    await expect(loadModel(path.join(root, 'nowhere'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
  });
});

describe('analyzeFolder', () => {
  it('returns a schema-valid, consistent result with windows, slices, attention and CAM', async () => {
    const a = await analyzeFolder(model, studyDir);
    const r = AnalysisResultSchema.parse(a.result);
    const W = r.windows.length;
    expect(W).toBeGreaterThan(0);
    expect(Object.keys(r.labels).sort()).toEqual([...STUDY_LABELS].sort());
    // Every decision is its threshold's on the raw probability, unless an override says why not.
    const overridden = new Set(r.exam!.overrides.map((o) => o.label));
    for (const l of STUDY_LABELS) {
      const x = r.labels[l]!;
      expect(x.decision === x.rawProbability! >= x.threshold).toBe(!overridden.has(l));
      const att = r.attention[l]!;
      expect(att).toHaveLength(W);
      expect(att.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 4);
    }
    // After repair the final probabilities obey the RSNA rules.
    const final = {
      study: Object.fromEntries(STUDY_LABELS.map((l) => [l, r.labels[l]!.probability])) as Record<(typeof STUDY_LABELS)[number], number>,
      images: r.windows.map((w) => w.probability),
    };
    expect(check(final)).toEqual([]);
    // So do the decisions (as 0/1), and the exam decision matches them.
    const decisions = {
      study: Object.fromEntries(STUDY_LABELS.map((l) => [l, r.labels[l]!.decision ? 1 : 0])) as Record<
        (typeof STUDY_LABELS)[number],
        number
      >,
      images: r.windows.map((w) => (w.decision ? 1 : 0)),
    };
    expect(check(decisions)).toEqual([]);
    expect(r.exam!.decision === 'positive').toBe(r.windows.some((w) => w.decision));
    expect(r.exam!.windowThreshold).toBe(0.15);
    expect(r.consistency.repaired).toBe(r.consistency.violations.length > 0);
    expect(r.slices!.length).toBeGreaterThan(0);
    expect(a.cam!.shape).toEqual([W * 10, 192, 192]);
    expect(a.cam!.max).toBeGreaterThanOrEqual(0);
    expect(r.model).toMatchObject({ version: 'fixture-1', notForClinicalUse: true, sha256: model.sha256 });
    expect(Object.keys(r.timings)).toEqual(expect.arrayContaining(['loadSeries', 'resampleIsotropic', 'phase1', 'phase2', 'qualityGates']));
    // An opacified phantom within the model's acquisition range: diagnostic, the trunk measured.
    expect(r.quality).toMatchObject({ diagnostic: true });
    const contrast = r.quality!.checks.find((c) => c.code === 'contrast_opacification')!;
    expect(contrast.passed).toBe(true);
    expect(contrast.measured).toBeGreaterThan(250);
    // The quality section comes before the labels in the JSON a reader sees.
    expect(Object.keys(r).indexOf('quality')).toBeLessThan(Object.keys(r).indexOf('labels'));
  }, 60_000);

  it('records the CAM geometry: the affine puts the CAM grid on the lung crop recorded by preprocessing', async () => {
    const a = await analyzeFolder(model, studyDir);
    const g = a.result.camGeometry!;
    expect(g.shape).toEqual(a.cam!.shape);
    const crop = a.preprocess.steps.find((s) => s.step === 'cropToLungBox')!;
    const [nz, ny, nx] = crop.shapeOut;
    expect(g.validFrames).toBe(nz);
    const [, S] = g.shape;
    const at = (col: number, row: number, frame: number) =>
      [0, 1, 2].map((r) => g.affine[r * 4]! * col + g.affine[r * 4 + 1]! * row + g.affine[r * 4 + 2]! * frame + g.affine[r * 4 + 3]!);
    // Crop voxel x sits at resized index (x + 0.5)·S/nx − 0.5 (half-pixel centres); the crop step
    // recorded the patient position of its first and last voxel.
    const box = crop['boxPatientMm'] as { first: number[]; last: number[] };
    const first = at((0.5 * S) / nx - 0.5, (0.5 * S) / ny - 0.5, 0);
    const last = at(((nx - 0.5) * S) / nx - 0.5, ((ny - 0.5) * S) / ny - 0.5, nz - 1);
    for (let i = 0; i < 3; i++) {
      expect(first[i]).toBeCloseTo(box.first[i]!, 3);
      expect(last[i]).toBeCloseTo(box.last[i]!, 3);
    }
    // Without a CAM there is nothing to place.
    // The same grid whether or not the CAM volume is built (the CLI and the runner write one result).
    expect((await analyzeFolder(model, studyDir, { cam: false })).result.camGeometry).toEqual(g);
  }, 60_000);

  it('withholds every decision of a non-diagnostic study and keeps the probabilities', async () => {
    // No acquisition range in the manifest: the conservative default requires whole-lung coverage,
    // which a 15 cm phantom slab does not have.
    const dir = path.join(root, 'strict');
    await (await import('node:fs/promises')).mkdir(dir);
    await makeModelDir(dir, {}, {});
    const strict = await loadModel(dir, { executionProvider: 'cpu' });
    try {
      const r = (await analyzeFolder(strict, studyDir, { cam: false })).result;
      expect(r.quality!.diagnostic).toBe(false);
      expect(r.quality!.reason).toMatch(/^Non-diagnostic: incomplete lung coverage/);
      expect(r.quality!.checks.find((c) => c.code === 'lung_coverage')).toMatchObject({ passed: false, limit: 0.1 });
      // The exam says why there is no decision, and no window is called PE-positive.
      expect(r.exam).toMatchObject({ decision: 'withheld', reason: r.quality!.reason, overrides: [] });
      expect(r.windows.some((w) => w.decision)).toBe(false);
      for (const l of STUDY_LABELS) {
        expect(r.labels[l]!.decision).toBe(false);
        expect(r.labels[l]!.probability).toBeGreaterThanOrEqual(0);
      }
      const a = await analyzeFolder(model, studyDir, { cam: false });
      expect(STUDY_LABELS.map((l) => r.labels[l]!.probability)).toEqual(STUDY_LABELS.map((l) => a.result.labels[l]!.probability));
    } finally {
      await strict.release();
    }
  }, 60_000);

  it('takes the window threshold from the manifest', async () => {
    const dir = path.join(root, 'window-threshold');
    await (await import('node:fs/promises')).mkdir(dir);
    // Above every raw window probability: no window can be PE-positive, so neither can the exam.
    const base = await analyzeFolder(model, studyDir, { cam: false });
    const above = Math.min(1, Math.max(...base.result.windows.map((w) => w.rawProbability!)) + 1e-6);
    await makeModelDir(dir, { pe_present_on_image: above, negative_exam_for_pe: 1 });
    const m = await loadModel(dir, { executionProvider: 'cpu' });
    try {
      const r = (await analyzeFolder(m, studyDir, { cam: false })).result;
      expect(r.exam!.windowThreshold).toBe(above);
      expect(r.windows.some((w) => w.decision)).toBe(false);
      expect(r.exam!.decision).not.toBe('positive');
    } finally {
      await m.release();
    }
  }, 60_000);

  it('gives the same result twice (deterministic end to end)', async () => {
    const a = await analyzeFolder(model, studyDir, { cam: false });
    const b = await analyzeFolder(model, studyDir, { cam: false, batch: 1 });
    expect(b.result.labels).toEqual(a.result.labels);
    expect(b.result.windows).toEqual(a.result.windows);
  }, 60_000);
});
