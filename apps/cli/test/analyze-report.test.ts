/**
 * The `embolus analyze` report without running a model: decisions come from the result (the
 * decision procedure's), the window threshold from the manifest through the result, and no
 * artifact names the machine that made it.
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ModelManifestSchema } from '@embolus/inference';
import { AnalysisResultSchema, DEFAULT_THRESHOLDS, STUDY_LABELS, decide, type AnalysisResult, type StudyLabel } from '@embolus/shared';
import { DEMO_MODEL_DIR } from '@embolus/inference';
import { formatReport } from '../src/commands/analyze';
import { demoTrainedOn } from '../src/commands/train';
import { absolutePathLines, absolutePaths } from './portable';

/** A result as analyzePreprocessed writes it, from raw probabilities and thresholds. */
function result(study: Record<StudyLabel, number>, windows: number[], thresholds = DEFAULT_THRESHOLDS): AnalysisResult {
  const d = decide({ study, windows, thresholds });
  return AnalysisResultSchema.parse({
    schemaVersion: 1,
    labels: Object.fromEntries(
      STUDY_LABELS.map((l) => [l, { probability: study[l], rawProbability: study[l], threshold: thresholds[l], decision: d.labels[l] }]),
    ),
    windows: windows.map((p, i) => ({
      index: i,
      probability: p,
      rawProbability: p,
      decision: d.windows[i],
      slices: [{ sopInstanceUid: `1.2.${i}`, fraction: 1 }],
    })),
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, windows.map(() => 1 / windows.length)])),
    exam: { decision: d.exam, reason: d.examReason, windowThreshold: thresholds.pe_present_on_image, overrides: d.overrides },
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 'test-1', sha256: 'ab'.repeat(32), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: { total: 1 },
    warnings: [],
  });
}

const study: Record<StudyLabel, number> = {
  negative_exam_for_pe: 0.01,
  indeterminate: 0.01,
  chronic_pe: 0.09,
  acute_and_chronic_pe: 0.12,
  central_pe: 0.95,
  leftsided_pe: 0.7,
  rightsided_pe: 0.1,
  rv_lv_ratio_gte_1: 0.49,
  rv_lv_ratio_lt_1: 0.55,
};

describe('formatReport', () => {
  it('reports the consistent decisions and why a rule overrode a threshold', () => {
    const r = result(study, [0.05, 0.2, 0.9]);
    const text = formatReport(r);
    expect(text).toMatch(/^exam: PE-POSITIVE \(negative exam 0\.010 < 0\.8 and window #2 0\.900 ≥ 0\.15\)$/m);
    expect(text).toMatch(/^RV\/LV ratio ≥ 1\s+0\.490\s+0\.15\s+- \*$/m);
    expect(text).toMatch(/^RV\/LV ratio < 1\s+0\.550\s+0\.15\s+POSITIVE$/m);
    expect(text).toMatch(/^Chronic PE\s+0\.090\s+0\.05\s+- \*$/m);
    expect(text).toMatch(/^Acute and chronic PE\s+0\.120\s+0\.05\s+POSITIVE$/m);
    for (const o of r.exam!.overrides) expect(text).toContain(`  - ${o.message}`);
    expect(r.exam!.overrides).toHaveLength(2);
  });

  it('takes the window threshold from the result (the manifest), not a constant', () => {
    const windows = [0.05, 0.2, 0.9];
    expect(formatReport(result(study, windows))).toMatch(/PE-positive \(≥ 0\.15\): #1 \(0\.20\), #2 \(0\.90\)/);
    const r = result(study, windows, { ...DEFAULT_THRESHOLDS, pe_present_on_image: 0.3 });
    expect(formatReport(r)).toMatch(/PE-positive \(≥ 0\.3\): #2 \(0\.90\)$/m);
  });

  it('shows no PE-positive window in a PE-negative exam, and says why', () => {
    const r = result({ ...study, negative_exam_for_pe: 0.95 }, [0.05, 0.2]);
    const text = formatReport(r);
    expect(text).toMatch(/^exam: NEGATIVE for PE \(negative exam 0\.950 ≥ 0\.8\)$/m);
    expect(text).toMatch(/PE-positive \(≥ 0\.15\): none/);
    expect(text).toContain('Window #1 not reported as PE-positive (≥ 0.15): the exam is PE-negative (negative exam 0.950 ≥ 0.8).');
  });

  it('decides an older result without an exam section with the same procedure, and says so', () => {
    const { exam: _exam, ...old } = result(study, [0.05, 0.9]);
    // Thresholds alone, as before.
    for (const l of STUDY_LABELS) old.labels[l]!.decision = old.labels[l]!.probability >= old.labels[l]!.threshold;
    const text = formatReport(old as AnalysisResult);
    expect(text).toMatch(/^RV\/LV ratio ≥ 1\s+0\.490\s+0\.15\s+- \*$/m);
    expect(text).toMatch(/predates stored decisions; they were recomputed with the default window threshold 0\.15/);
  });
});

describe('no machine paths in artifacts', () => {
  it('finds absolute paths, and allows relative ones', () => {
    expect(absolutePaths({ a: 'cache at /work/main/data/demo/cache: 8', b: ['x', 'C:\\data\\c'], c: { d: '~/m/x' } })).toEqual([
      'a',
      'b[1]',
      'c.d',
    ]);
    expect(absolutePaths({ r: 'packages/trainer/x.py', s: 'float32 = uint8 / 255', v: 'RV/LV; 3050 / 625 windows' })).toEqual([]);
  });

  it('the shipped model directory names no machine path, and its manifest describes the data portably', async () => {
    const files = (await readdir(DEMO_MODEL_DIR)).filter((f) => /\.(json|md|txt)$/.test(f));
    expect(files).toEqual(expect.arrayContaining(['manifest.json', 'EVALUATION.md']));
    for (const f of files)
      expect({ file: f, lines: absolutePathLines(await readFile(path.join(DEMO_MODEL_DIR, f), 'utf8')) }).toEqual({ file: f, lines: [] });
    const manifest = ModelManifestSchema.parse(JSON.parse(await readFile(path.join(DEMO_MODEL_DIR, 'manifest.json'), 'utf8')));
    expect(absolutePaths(manifest)).toEqual([]);
    expect(manifest.trainedOn).toMatch(/^SYNTHETIC phantoms: 160 drawn \(demo preset, seed 7\)/);
    // The window threshold is in the manifest like every other one.
    expect(manifest.thresholds.pe_present_on_image).toBe(0.15);
  });

  it('embolus train demo describes its data without paths', () => {
    const text = demoTrainedOn({
      studies: 160,
      seed: 7,
      twins: 80,
      splits: { val: { studies: 39, windows: 625 }, train: { studies: 193, windows: 3050 }, test: { studies: 8, windows: 129 } },
    });
    expect(text).toBe(
      'SYNTHETIC phantoms: 160 drawn (demo preset, seed 7) plus an embolus-free twin of each of the 80 positive ones (240 studies); ' +
        'split test 8 studies / 129 windows, train 193 studies / 3050 windows, val 39 studies / 625 windows',
    );
    expect(absolutePaths(text)).toEqual([]);
  });
});
