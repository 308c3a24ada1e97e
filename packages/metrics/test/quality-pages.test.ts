/**
 * Issue 18: the label report, Wilson intervals, site threshold previews and drift alert rules,
 * checked against brute force and hand-worked values.
 */
import { describe, expect, it } from 'vitest';
import { evaluateAlertRule, labelReport, previewThreshold, seededRandom, selectThreshold, wilsonInterval } from '../src/index';

/** n labelled subjects, binormal scores with separation d, prevalence pi; times spread over `days`. */
function cohort(n: number, d: number, pi: number, seed: number, t0 = Date.UTC(2026, 0, 1), days = 90) {
  const r = seededRandom(seed);
  const normal = () => Math.sqrt(-2 * Math.log(Math.max(r.next(), 1e-12))) * Math.cos(2 * Math.PI * r.next());
  const time: number[] = [];
  const probability: number[] = [];
  const truth: number[] = [];
  for (let i = 0; i < n; i++) {
    const y = r.next() < pi ? 1 : 0;
    const s = d * y + normal();
    const logit = Math.log(pi / (1 - pi)) + d * s - (d * d) / 2;
    time.push(t0 + Math.floor((i / n) * days * 86_400_000));
    probability.push(1 / (1 + Math.exp(-logit)));
    truth.push(y);
  }
  return { time, probability, truth };
}

describe('Wilson interval', () => {
  it('matches published values and stays inside [0, 1]', () => {
    // 81 of 263 (Newcombe 1998, example): 0.2553–0.3662 at 95%.
    const [lo, hi] = wilsonInterval(81, 263);
    expect(lo).toBeCloseTo(0.2553, 3);
    expect(hi).toBeCloseTo(0.3662, 3);
    const [a, b] = wilsonInterval(0, 10);
    expect(a).toBe(0);
    expect(b).toBeCloseTo(0.2775, 3);
    expect(wilsonInterval(10, 10)[1]).toBe(1);
    expect(() => wilsonInterval(3, 2)).toThrow(/Wilson/);
  });
});

describe('label report', () => {
  it('counts sensitivity, specificity and coverage per window like brute force', () => {
    const c = cohort(600, 2, 0.3, 1);
    // Half the studies lose their label.
    const truth = c.truth.map((y, i) => (i % 2 ? Number.NaN : y));
    const th = 0.4;
    const r = labelReport(
      { time: c.time, probability: c.probability, truth },
      { window: 'month', threshold: th, minPositives: 5, minNegatives: 5 },
    );
    expect(r.periods.map((p) => p.key)).toEqual(['2026-01', '2026-02', '2026-03']);
    for (const p of r.periods) {
      const idx = c.time.map((_t, i) => i).filter((i) => new Date(c.time[i] as number).toISOString().startsWith(p.key));
      const lab = idx.filter((i) => !Number.isNaN(truth[i]));
      const pos = lab.filter((i) => truth[i] === 1);
      const neg = lab.filter((i) => truth[i] === 0);
      expect(p.studies).toBe(idx.length);
      expect(p.labelled).toBe(lab.length);
      expect(p.coverage).toBeCloseTo(lab.length / idx.length, 12);
      expect(p.sensitivity).toMatchObject({
        kind: 'rate',
        successes: pos.filter((i) => (c.probability[i] as number) >= th).length,
        n: pos.length,
      });
      expect(p.specificity).toMatchObject({
        kind: 'rate',
        successes: neg.filter((i) => (c.probability[i] as number) < th).length,
        n: neg.length,
      });
      expect(p.auroc.kind).toBe('auroc');
      expect(p.cbpe.kind).toBe('estimate');
    }
    const op = r.overall.operatingPoint;
    expect(op.tp + op.fn + op.tn + op.fp).toBe(r.overall.labelled);
    expect(r.overall.roc?.fpr[0]).toBe(0);
    expect(r.overall.roc?.tpr.at(-1)).toBe(1);
    expect(r.overall.roc?.fpr.length).toBeLessThanOrEqual(200);
    expect(r.overall.calibration.reduce((s, b) => s + b.count, 0)).toBe(r.overall.labelled);
  });

  it('marks a window with too few positives as insufficient data, never a number', () => {
    const c = cohort(60, 2, 0.05, 2, Date.UTC(2026, 0, 1), 20);
    const r = labelReport(c, { window: 'month', threshold: 0.5, minPositives: 10, minNegatives: 10 });
    expect(r.periods[0]?.auroc).toMatchObject({ kind: 'insufficient_data', required: { positives: 10, negatives: 10 } });
    expect(r.periods[0]?.sensitivity).toMatchObject({ kind: 'insufficient_data', required: 10 });
    expect(r.periods[0]?.auroc).not.toHaveProperty('auroc');
  });
});

describe('site thresholds', () => {
  const c = cohort(800, 1.8, 0.3, 3);

  /** Brute force over every candidate (each distinct score). */
  function brute(rule: 'youden' | 'max-min-sens-spec') {
    let best = -Infinity;
    for (const t of new Set(c.probability)) {
      let tp = 0,
        fn = 0,
        tn = 0,
        fp = 0;
      c.probability.forEach((p, i) => (c.truth[i] === 1 ? (p >= t ? tp++ : fn++) : p >= t ? fp++ : tn++));
      const se = tp / (tp + fn);
      const sp = tn / (tn + fp);
      best = Math.max(best, rule === 'youden' ? se + sp - 1 : Math.min(se, sp));
    }
    return best;
  }

  it('Youden and max-min reach the brute-force optimum', () => {
    for (const rule of ['youden', 'max-min-sens-spec'] as const) {
      const p = previewThreshold(c.probability, c.truth, rule, 0.5);
      const se = p.sensitivity.kind === 'rate' ? p.sensitivity.value : NaN;
      const sp = p.specificity.kind === 'rate' ? p.specificity.value : NaN;
      expect(rule === 'youden' ? se + sp - 1 : Math.min(se, sp)).toBeCloseTo(brute(rule), 12);
      expect(p.threshold).toBe(selectThreshold(c.probability, c.truth, rule).threshold);
    }
  });

  it('a threshold for sensitivity 0.95 reaches at least 0.95 on its cohort, with the best specificity that does', () => {
    const p = previewThreshold(c.probability, c.truth, { targetSensitivity: 0.95 }, 0.5);
    expect(p.sensitivity.kind === 'rate' && p.sensitivity.value).toBeGreaterThanOrEqual(0.95);
    // Any higher candidate misses the target.
    const higher = [...new Set(c.probability)].filter((t) => t > p.threshold).sort((a, b) => a - b)[0] as number;
    const pos = c.truth.filter((y) => y === 1).length;
    const tpHigher = c.probability.filter((q, i) => c.truth[i] === 1 && q >= higher).length;
    expect(tpHigher / pos).toBeLessThan(0.95);
  });

  it('counts the analysed studies whose decision would change, unlabelled ones included', () => {
    const probability = [0.1, 0.3, 0.5, 0.7, 0.9, 0.35];
    const truth = [0, 0, 1, 1, 1, Number.NaN];
    const p = previewThreshold(probability, truth, { threshold: 0.32 }, 0.6);
    // 0.35 (unlabelled) and 0.5 become positive; nothing becomes negative.
    expect(p.changed).toEqual({ studies: 2, toPositive: 2, toNegative: 0, of: 6 });
    expect(p.currentSensitivity).toMatchObject({ kind: 'rate', successes: 2, n: 3 });
    expect(p.sensitivity).toMatchObject({ kind: 'rate', successes: 3, n: 3 });
    expect(p.specificity).toMatchObject({ kind: 'rate', successes: 2, n: 2 });
  });
});

describe('drift alert rules', () => {
  // Three stable months (AUROC ~0.92), then a month at ~0.68.
  const stable = cohort(3000, 2, 0.35, 4, Date.UTC(2026, 0, 1), 90);
  const drifted = cohort(1000, 0.65, 0.35, 5, Date.UTC(2026, 3, 1), 29);
  const all = {
    time: [...stable.time, ...drifted.time],
    probability: [...stable.probability, ...drifted.probability],
    truth: [...stable.truth, ...drifted.truth],
  };

  it('fires on the AUROC lower CI bound of the latest window, not before the drift', () => {
    const spec = { kind: 'auroc_lower_ci_below' as const, params: { below: 0.8, window: 'month' as const } };
    const e = evaluateAlertRule(spec, all, 0.5);
    expect(e).toMatchObject({ state: 'breached', period: '2026-04' });
    expect(e.value).toBeLessThan(0.8);
    expect(evaluateAlertRule(spec, stable, 0.5)).toMatchObject({ state: 'ok', period: '2026-03' });
  });

  it('fires when the CBPE estimate falls against the reference period', () => {
    const spec = {
      kind: 'cbpe_drop' as const,
      params: { drop: 0.1, window: 'month' as const, referenceFrom: Date.UTC(2026, 0, 1), referenceTo: Date.UTC(2026, 3, 1) },
    };
    expect(evaluateAlertRule(spec, all, 0.5).state).toBe('breached');
    expect(evaluateAlertRule(spec, stable, 0.5).state).toBe('ok');
  });

  it('fires on low label coverage; reports no data on an empty cohort', () => {
    const unlabelled = { ...all, truth: all.truth.map((y, i) => (all.time[i]! >= Date.UTC(2026, 3, 1) ? Number.NaN : y)) };
    expect(evaluateAlertRule({ kind: 'coverage_below', params: { below: 0.5, window: 'month' } }, unlabelled, 0.5)).toMatchObject({
      state: 'breached',
      period: '2026-04',
      value: 0,
    });
    expect(
      evaluateAlertRule(
        { kind: 'auroc_lower_ci_below', params: { below: 0.8, window: 'month' } },
        { time: [], probability: [], truth: [] },
        0.5,
      ).state,
    ).toBe('no_data');
  });
});

describe('CBPE in the label report', () => {
  it('gives no estimate for a window with fewer expected positives than the minimum', () => {
    const c = cohort(40, 2, 0.1, 6, Date.UTC(2026, 0, 1), 10);
    const r = labelReport(c, { window: 'month', threshold: 0.5, minPositives: 10, minNegatives: 10 });
    expect(r.periods[0]?.cbpe).toEqual({ kind: 'insufficient_data', n: 40 });
    const big = labelReport(cohort(400, 2, 0.3, 6, Date.UTC(2026, 0, 1), 10), { window: 'month', threshold: 0.5 });
    expect(big.periods[0]?.cbpe.kind).toBe('estimate');
  });
});
