/**
 * `embolus analyze` end to end on a phantom study with the shipped demo model.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AnalysisResultSchema, STUDY_LABELS } from '@embolus/shared';
import { embolus } from './cli-helpers';

let positive: string;
let negative: string;
beforeAll(async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'embolus-analyze-'));
  for (const [name, rate] of [['pos', '1'], ['neg', '0']] as const) {
    const r = await embolus(['phantom', '--out', path.join(root, name), '--studies', '1', '--seed', '101', '--positive-rate', rate, '--indeterminate-rate', '0', '--preset', 'demo', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
  }
  positive = path.join(root, 'pos');
  negative = path.join(root, 'neg');
}, 60_000);

describe('embolus analyze with the demo model', () => {
  it('prints the JSON result: labels vs thresholds, windows with slices, attention, consistency, model, timings', async () => {
    const r = await embolus(['analyze', positive, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = AnalysisResultSchema.parse(JSON.parse(r.stdout));
    expect(Object.keys(result.labels).sort()).toEqual([...STUDY_LABELS].sort());
    expect(result.windows.length).toBeGreaterThan(3);
    expect(result.windows.every((w) => w.slices.length > 0)).toBe(true);
    for (const l of STUDY_LABELS) expect(result.attention[l]).toHaveLength(result.windows.length);
    expect(result.model.notForClinicalUse).toBe(true);
    expect(result.model.trainedOn).toMatch(/SYNTHETIC/);
    expect(result.timings.phase1).toBeGreaterThan(0);
    // The demo model separates this phantom: PE on the positive study, not on the negative one.
    const neg = AnalysisResultSchema.parse(JSON.parse((await embolus(['analyze', negative, '--json'])).stdout));
    // Raw (pre-repair) values: repair moves violating values just across 0.5, which can tie them.
    const maxWindow = (x: typeof result) => Math.max(...x.windows.map((w) => w.rawProbability!));
    expect(maxWindow(result)).toBeGreaterThan(maxWindow(neg));
    expect(result.labels.negative_exam_for_pe!.rawProbability).toBeLessThan(neg.labels.negative_exam_for_pe!.rawProbability!);
  }, 120_000);

  it('prints a readable report that says it is not for clinical use', async () => {
    const r = await embolus(['analyze', positive]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/NOT FOR CLINICAL USE/);
    expect(r.stdout).toMatch(/Negative exam for PE\s+\d\.\d{3}\s+0\.80/);
    expect(r.stdout).toMatch(/PE-positive/);
  }, 60_000);

  it('fails with a typed error for a folder without a CT series, and for a missing model', async () => {
    const r = await embolus(['analyze', tmpdir() + '/definitely-not-here']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error [A-Z_]+: /);
    const m = await embolus(['analyze', positive, '--model', '/nonexistent-model']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/^error MODEL_NOT_FOUND: /);
  }, 60_000);
});
