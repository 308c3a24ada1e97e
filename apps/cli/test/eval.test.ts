import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { delongCi, selectThreshold, weightedLogLoss } from '@embolus/metrics';
import { main } from '../src/cli';

let dir: string;
const file = (name: string) => path.join(dir, name);

const LABELS = `id,label,value,study
1.1,negative_exam_for_pe,0,
1.1,central_pe,1,
1.2,negative_exam_for_pe,1,
1.2,central_pe,0,
1.3,negative_exam_for_pe,0,
1.3,central_pe,1,
1.4,negative_exam_for_pe,1,
1.4,central_pe,0,
1.5,negative_exam_for_pe,1,
1.5,central_pe,0,
9.1,pe_present_on_image,1,1.1
9.2,pe_present_on_image,0,1.1
9.3,pe_present_on_image,1,1.3
9.4,pe_present_on_image,0,1.2
`;
const PREDICTIONS = `id,label,probability
1.1,negative_exam_for_pe,0.1
1.1,central_pe,0.8
1.2,negative_exam_for_pe,0.9
1.2,central_pe,0.3
1.3,negative_exam_for_pe,0.7
1.3,central_pe,0.6
1.4,negative_exam_for_pe,0.6
1.4,central_pe,0.7
1.5,negative_exam_for_pe,0.95
1.5,central_pe,0.1
9.1,pe_present_on_image,0.9
9.2,pe_present_on_image,0.2
9.3,pe_present_on_image,0.6
9.4,pe_present_on_image,0.1
`;
/** The same predictions as a Kaggle submission. */
const KAGGLE = `id,label
1.1_negative_exam_for_pe,0.1
1.1_central_pe,0.8
1.2_negative_exam_for_pe,0.9
1.2_central_pe,0.3
1.3_negative_exam_for_pe,0.7
1.3_central_pe,0.6
1.4_negative_exam_for_pe,0.6
1.4_central_pe,0.7
1.5_negative_exam_for_pe,0.95
1.5_central_pe,0.1
9.1,0.9
9.2,0.2
9.3,0.6
9.4,0.1
`;

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'embolus-eval-'));
  await writeFile(file('labels.csv'), LABELS);
  await writeFile(file('preds.csv'), PREDICTIONS);
  await writeFile(file('kaggle.csv'), KAGGLE);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('embolus eval --json', () => {
  it('prints exactly the documented shape with the expected values', async () => {
    const r = await cli(['eval', '--predictions', file('preds.csv'), '--labels', file('labels.csv'), '--json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['labels', 'weighted_log_loss']);
    expect(Object.keys(out.labels)).toEqual(['pe_present_on_image', 'negative_exam_for_pe', 'central_pe']);
    for (const v of Object.values(out.labels)) {
      expect(Object.keys(v as object)).toEqual(['n', 'positives', 'auroc', 'ci', 'threshold', 'sensitivity', 'specificity']);
    }
    // central_pe: positives 0.8, 0.6; negatives 0.3, 0.7, 0.1 → 5 of 6 pairs. Default threshold 0.05.
    const central = delongCi([0.8, 0.3, 0.6, 0.7, 0.1], [1, 0, 1, 0, 0]);
    expect(out.labels.central_pe).toEqual({
      n: 5,
      positives: 2,
      auroc: 5 / 6,
      ci: [...central.ci],
      threshold: 0.05,
      sensitivity: 1,
      specificity: 0,
    });
    // negative_exam_for_pe at 0.8: 0.9 and 0.95 of the three positives; no negative reaches 0.8.
    expect(out.labels.negative_exam_for_pe).toMatchObject({
      n: 5,
      positives: 3,
      auroc: 5 / 6,
      threshold: 0.8,
      sensitivity: 2 / 3,
      specificity: 1,
    });
    // Images separate perfectly: AUROC 1 with a zero-width CI; at 0.15 the 0.2 negative is a false positive.
    expect(out.labels.pe_present_on_image).toEqual({
      n: 4,
      positives: 2,
      auroc: 1,
      ci: [1, 1],
      threshold: 0.15,
      sensitivity: 1,
      specificity: 0.5,
    });
    const expected = weightedLogLoss([
      {
        studyLabels: { negative_exam_for_pe: { truth: 0, probability: 0.1 }, central_pe: { truth: 1, probability: 0.8 } },
        images: { truth: [1, 0], probability: [0.9, 0.2] },
      },
      {
        studyLabels: { negative_exam_for_pe: { truth: 1, probability: 0.9 }, central_pe: { truth: 0, probability: 0.3 } },
        images: { truth: [0], probability: [0.1] },
      },
      {
        studyLabels: { negative_exam_for_pe: { truth: 0, probability: 0.7 }, central_pe: { truth: 1, probability: 0.6 } },
        images: { truth: [1], probability: [0.6] },
      },
      { studyLabels: { negative_exam_for_pe: { truth: 1, probability: 0.6 }, central_pe: { truth: 0, probability: 0.7 } } },
      { studyLabels: { negative_exam_for_pe: { truth: 1, probability: 0.95 }, central_pe: { truth: 0, probability: 0.1 } } },
    ]).loss;
    expect(out.weighted_log_loss).toBeCloseTo(expected, 14);
  });

  it('accepts the Kaggle submission format with the same result', async () => {
    const long = await cli(['eval', '--predictions', file('preds.csv'), '--labels', file('labels.csv'), '--json']);
    const kaggle = await cli(['eval', `--predictions=${file('kaggle.csv')}`, `--labels=${file('labels.csv')}`, '--json']);
    expect(kaggle.code).toBe(0);
    expect(JSON.parse(kaggle.stdout)).toEqual(JSON.parse(long.stdout));
  });

  it('chooses thresholds on validation files by max min(sens, spec)', async () => {
    await writeFile(
      file('val-preds.csv'),
      'id,label,probability\n2.1,central_pe,0.2\n2.2,central_pe,0.4\n2.3,central_pe,0.5\n2.4,central_pe,0.9\n2.5,central_pe,0.3\n',
    );
    await writeFile(
      file('val-labels.csv'),
      'id,label,value\n2.1,central_pe,0\n2.2,central_pe,1\n2.3,central_pe,0\n2.4,central_pe,1\n2.5,central_pe,0\n',
    );
    const r = await cli([
      'eval',
      '--predictions',
      file('preds.csv'),
      '--labels',
      file('labels.csv'),
      '--thresholds-from',
      file('val-preds.csv'),
      '--val-labels',
      file('val-labels.csv'),
      '--json',
    ]);
    expect(r.code).toBe(0);
    // Validation: at 0.4 sensitivity 1 and specificity 2/3 (min 2/3); every other cut has min ≤ 1/2.
    const chosen = selectThreshold([0.2, 0.4, 0.5, 0.9, 0.3], [0, 1, 0, 1, 0], 'max-min-sens-spec');
    const out = JSON.parse(r.stdout);
    expect(out.labels.central_pe.threshold).toBe(chosen.threshold);
    // Test set at 0.4: both positives (0.8, 0.6) called; the 0.7 negative is a false positive.
    expect(out.labels.central_pe).toMatchObject({ threshold: 0.4, sensitivity: 1, specificity: 2 / 3 });
    // Labels absent from the validation files keep the paper's default.
    expect(out.labels.negative_exam_for_pe.threshold).toBe(0.8);
  });
});

describe('embolus eval table and plots', () => {
  it('prints a readable table', async () => {
    const r = await cli(['eval', '--predictions', file('preds.csv'), '--labels', file('labels.csv')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^label\s+n\s+pos\s+AUROC\s+95% CI\s+threshold\s+sens\s+spec/);
    expect(r.stdout).toMatch(/central_pe\s+5\s+2\s+0\.833/);
    expect(r.stdout).toMatch(/weighted log loss: \d\.\d{4}/);
  });

  it('--plots writes a ROC and a sens/spec chart per label as SVG', async () => {
    const plots = file('plots');
    const r = await cli(['eval', '--predictions', file('preds.csv'), '--labels', file('labels.csv'), '--json', '--plots', plots]);
    expect(r.code).toBe(0);
    const names = (await readdir(plots)).sort();
    expect(names).toEqual([
      'roc-central_pe.svg',
      'roc-negative_exam_for_pe.svg',
      'roc-pe_present_on_image.svg',
      'sens-spec-central_pe.svg',
      'sens-spec-negative_exam_for_pe.svg',
      'sens-spec-pe_present_on_image.svg',
    ]);
    for (const n of names) {
      const svg = await readFile(path.join(plots, n), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    }
    expect(JSON.parse(r.stdout)).toHaveProperty('weighted_log_loss');
  });
});

describe('embolus eval errors', () => {
  it.each([
    [
      'non-numeric probability',
      'id,label,probability\n1.1,central_pe,0.8\n1.2,central_pe,abc\n',
      'MALFORMED_CSV',
      ":3: probability 'abc' is not a number",
    ],
    ['missing column in a row', 'id,label,probability\n1.1,central_pe\n', 'MALFORMED_CSV', ":2: missing column 'probability'"],
    ['Kaggle row without a value', 'id,label\n1.1_central_pe,\n', 'MALFORMED_CSV', ":2: probability '' is not a number"],
    ['missing column (long)', 'id,label,prob\n1.1,central_pe,0.8\n', 'MALFORMED_CSV', ":1: missing column 'probability'"],
    ['unknown label', 'id,label,probability\n1.1,central_pe,0.8\n1.1,big_clot,0.8\n', 'MALFORMED_CSV', ":3: unknown label 'big_clot'"],
    [
      'prediction without a label',
      'id,label,probability\n1.1,central_pe,0.8\n7.7,central_pe,0.5\n',
      'MISSING_LABEL',
      ":3: id '7.7' (central_pe) has no label",
    ],
  ])('%s → typed error naming file and line, exit 2', async (_name, text, code, where) => {
    const bad = file(`bad-${code}-${where.length}.csv`);
    await writeFile(bad, text);
    const r = await cli(['eval', '--predictions', bad, '--labels', file('labels.csv'), '--json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.startsWith(`error ${code}: ${bad}${where}`)).toBe(true);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('reports a malformed labels file by its own name', async () => {
    const bad = file('bad-labels.csv');
    await writeFile(bad, 'id,label,value\n1.1,central_pe,yes\n');
    const r = await cli(['eval', '--predictions', file('preds.csv'), '--labels', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error MALFORMED_CSV: ${bad}:2: value 'yes' is not a number\n`);
  });

  it('exits 1 on usage errors and 2 on an unreadable file', async () => {
    expect((await cli(['eval', '--predictions', file('preds.csv')])).code).toBe(1);
    expect(
      (await cli(['eval', '--predictions', file('preds.csv'), '--labels', file('labels.csv'), '--thresholds-from', file('preds.csv')]))
        .code,
    ).toBe(1);
    expect((await cli(['eval', '--bogus'])).stderr).toMatch(/^error USAGE: unknown argument '--bogus'/);
    const missing = await cli(['eval', '--predictions', file('nope.csv'), '--labels', file('labels.csv')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error INVALID_INPUT: cannot read predictions file .*nope\.csv \(ENOENT\)/);
  });
});
