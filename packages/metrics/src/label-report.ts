/**
 * Everything the quality pages show for one label (issue 18): per calendar window the counts,
 * label coverage, AUROC with its DeLong CI, sensitivity and specificity at the threshold in
 * force with Wilson CIs, and the CBPE estimate beside the realized values; over the whole period
 * the ROC curve with the operating point and the calibration bins. Below minimum counts a value
 * is the tagged `insufficient_data`, never a number.
 */
import { rocCurveOfGroups } from './auroc';
import { reliabilityBins, type ReliabilityBin } from './calibration';
import { cbpe } from './cbpe';
import { describeWindow, windowIndex, type CohortCell, type TimeWindow } from './cohort-summary';
import { delongCiOfGroups } from './delong';
import { MetricsError } from './errors';
import { assertInteger, assertLevel } from './validate';
import { wilsonInterval } from './wilson';

/** A proportion with its Wilson CI, or too few subjects to give one. */
export type Rate =
  | {
      readonly kind: 'rate';
      readonly value: number;
      readonly ci: readonly [number, number];
      readonly successes: number;
      readonly n: number;
    }
  | { readonly kind: 'insufficient_data'; readonly n: number; readonly required: number };

/**
 * CBPE's expected performance over a window's studies (labelled or not); insufficient below the
 * minimum expected positives or negatives.
 */
export type CbpeCell =
  | {
      readonly kind: 'estimate';
      readonly n: number;
      readonly expectedPositives: number;
      readonly auroc: number;
      readonly sensitivity: number;
      readonly specificity: number;
    }
  | { readonly kind: 'insufficient_data'; readonly n: number };

/** One calendar window of a label report. */
export interface LabelPeriod {
  readonly key: string;
  readonly start: string;
  readonly end: string;
  /** Analysed studies with a probability for the label. */
  readonly studies: number;
  /** Of those, studies with ground truth for the label. */
  readonly labelled: number;
  /** labelled / studies, null without studies. */
  readonly coverage: number | null;
  readonly auroc: CohortCell;
  readonly sensitivity: Rate;
  readonly specificity: Rate;
  readonly cbpe: CbpeCell;
}

/** The whole period of a label report. */
export interface LabelOverall {
  readonly studies: number;
  readonly labelled: number;
  readonly auroc: CohortCell;
  /** ROC points (fpr, tpr, threshold) from (0, 0) to (1, 1), thinned to at most `rocPoints`; null without both classes. */
  readonly roc: { readonly fpr: number[]; readonly tpr: number[]; readonly thresholds: (number | null)[] } | null;
  readonly operatingPoint: {
    readonly threshold: number;
    readonly tp: number;
    readonly fp: number;
    readonly tn: number;
    readonly fn: number;
    readonly sensitivity: Rate;
    readonly specificity: Rate;
  };
  readonly calibration: ReliabilityBin[];
}

/** Input of {@link labelReport}: aligned arrays, NaN truth = no ground truth, NaN probability = not analysed for the label. */
export interface LabelReportInput {
  readonly time: ArrayLike<number>;
  readonly probability: ArrayLike<number>;
  readonly truth: ArrayLike<number>;
}

/** Options of {@link labelReport}. */
export interface LabelReportOptions {
  readonly window: TimeWindow;
  /** The decision threshold in force (positive iff probability ≥ threshold). */
  readonly threshold: number;
  readonly minPositives?: number;
  readonly minNegatives?: number;
  readonly level?: number;
  /** Most ROC points returned, default 200. */
  readonly rocPoints?: number;
  /** Calibration bins, default 10. */
  readonly calibrationBins?: number;
}

/** A proportion, or insufficient data below `min` subjects. */
export function rateOf(successes: number, n: number, min: number, level: number): Rate {
  if (n < min || n === 0) return { kind: 'insufficient_data', n, required: min };
  return { kind: 'rate', value: successes / n, ci: wilsonInterval(successes, n, level), successes, n };
}

function aurocCell(cases: Float64Array, controls: Float64Array, minPos: number, minNeg: number, level: number): CohortCell {
  const base = { n: cases.length + controls.length, positives: cases.length, negatives: controls.length };
  if (cases.length < minPos || controls.length < minNeg)
    return { kind: 'insufficient_data', ...base, required: { positives: minPos, negatives: minNeg } };
  const r = delongCiOfGroups({ cases: cases.sort(), controls: controls.sort() }, level);
  return { kind: 'auroc', ...base, auroc: r.auroc, ci: r.ci };
}

/** Keeps at most `max` evenly spaced points of a curve, always the first and the last. */
function thin(k: number, max: number): number[] {
  if (k <= max) return Array.from({ length: k }, (_, i) => i);
  const out: number[] = [];
  for (let j = 0; j < max; j++) out.push(Math.round((j * (k - 1)) / (max - 1)));
  return [...new Set(out)];
}

/**
 * The quality pages' view of one label. Studies with a NaN probability are left out; windows run
 * from the first to the last study's (empty windows included).
 *
 * @throws MetricsError INVALID_INPUT on mismatched lengths, non-finite times, truths other than
 *   0, 1 or NaN, probabilities outside [0, 1], or bad options.
 */
export function labelReport(input: LabelReportInput, options: LabelReportOptions): { overall: LabelOverall; periods: LabelPeriod[] } {
  const minPos = options.minPositives ?? 10;
  const minNeg = options.minNegatives ?? 10;
  assertInteger(minPos, 2, 'minPositives');
  assertInteger(minNeg, 2, 'minNegatives');
  const level = options.level ?? 0.95;
  assertLevel(level);
  const maxRoc = options.rocPoints ?? 200;
  assertInteger(maxRoc, 2, 'rocPoints');
  const th = options.threshold;
  if (!(th >= 0 && th <= 1)) throw new MetricsError('INVALID_INPUT', 'threshold must be in [0, 1]');
  const n = input.time.length;
  if (input.probability.length !== n || input.truth.length !== n)
    throw new MetricsError('INVALID_INPUT', 'label report: time, probability and truth differ in length');

  // Per window: studies, labelled, confusion counts at the threshold; cases/controls for AUROC.
  const byWindow = new Map<number, number[]>();
  const allCases: number[] = [];
  const allControls: number[] = [];
  let tp = 0,
    fp = 0,
    tn = 0,
    fn = 0,
    studies = 0;
  for (let i = 0; i < n; i++) {
    const p = input.probability[i] as number;
    if (p !== p) continue;
    if (!(p >= 0 && p <= 1))
      throw new MetricsError('INVALID_INPUT', `label report: probability[${i}] is outside [0, 1]`, { details: { index: i } });
    const t = input.time[i] as number;
    if (!Number.isFinite(t)) throw new MetricsError('INVALID_INPUT', `label report: time[${i}] is not finite`, { details: { index: i } });
    const y = input.truth[i] as number;
    if (y === y && y !== 0 && y !== 1)
      throw new MetricsError('INVALID_INPUT', `label report: truth[${i}] must be 0, 1 or NaN`, { details: { index: i } });
    studies++;
    const w = windowIndex(t, options.window);
    let list = byWindow.get(w);
    if (!list) byWindow.set(w, (list = []));
    list.push(i);
    if (y === 1) {
      allCases.push(p);
      if (p >= th) tp++;
      else fn++;
    } else if (y === 0) {
      allControls.push(p);
      if (p >= th) fp++;
      else tn++;
    }
  }

  const periods: LabelPeriod[] = [];
  if (byWindow.size > 0) {
    const keys = [...byWindow.keys()];
    const first = Math.min(...keys);
    const last = Math.max(...keys);
    for (let w = first; w <= last; w++) periods.push(period(w, byWindow.get(w) ?? []));
  }

  function period(w: number, idx: number[]): LabelPeriod {
    const cases: number[] = [];
    const controls: number[] = [];
    let wtp = 0,
      wtn = 0;
    const probs = new Float64Array(idx.length);
    idx.forEach((i, k) => {
      const p = input.probability[i] as number;
      probs[k] = p;
      const y = input.truth[i] as number;
      if (y === 1) {
        cases.push(p);
        if (p >= th) wtp++;
      } else if (y === 0) {
        controls.push(p);
        if (p < th) wtn++;
      }
    });
    const labelled = cases.length + controls.length;
    let cb: CbpeCell = { kind: 'insufficient_data', n: idx.length };
    try {
      if (idx.length > 0) {
        const e = cbpe(probs, { threshold: th });
        // The realized values' minimums apply to the expected counts: a handful of studies gives no estimate.
        if (e.expectedPositives >= minPos && e.n - e.expectedPositives >= minNeg) {
          cb = {
            kind: 'estimate',
            n: e.n,
            expectedPositives: e.expectedPositives,
            auroc: e.expectedAuroc,
            sensitivity: e.atThreshold.sensitivity,
            specificity: e.atThreshold.specificity,
          };
        }
      }
    } catch (e) {
      if (!(e instanceof MetricsError) || e.code !== 'INSUFFICIENT_DATA') throw e;
    }
    return {
      ...describeWindow(w, options.window),
      studies: idx.length,
      labelled,
      coverage: idx.length ? labelled / idx.length : null,
      auroc: aurocCell(Float64Array.from(cases), Float64Array.from(controls), minPos, minNeg, level),
      sensitivity: rateOf(wtp, cases.length, minPos, level),
      specificity: rateOf(wtn, controls.length, minNeg, level),
      cbpe: cb,
    };
  }

  const cases = Float64Array.from(allCases).sort();
  const controls = Float64Array.from(allControls).sort();
  let roc: LabelOverall['roc'] = null;
  if (cases.length > 0 && controls.length > 0) {
    const curve = rocCurveOfGroups({ cases, controls });
    const keep = thin(curve.fpr.length, maxRoc);
    roc = {
      fpr: keep.map((i) => curve.fpr[i] as number),
      tpr: keep.map((i) => curve.tpr[i] as number),
      // +Infinity (nothing called positive) is not JSON: null.
      thresholds: keep.map((i) => (Number.isFinite(curve.thresholds[i]) ? (curve.thresholds[i] as number) : null)),
    };
  }
  const labelledAll = allCases.length + allControls.length;
  let calibration: ReliabilityBin[] = [];
  if (labelledAll > 0) {
    const p = Float64Array.from([...allCases, ...allControls]);
    const y = new Float64Array(labelledAll);
    y.fill(1, 0, allCases.length);
    calibration = reliabilityBins(p, y, { bins: options.calibrationBins ?? 10 });
  }
  return {
    overall: {
      studies,
      labelled: labelledAll,
      auroc: aurocCell(cases, controls, minPos, minNeg, level),
      roc,
      operatingPoint: {
        threshold: th,
        tp,
        fp,
        tn,
        fn,
        sensitivity: rateOf(tp, tp + fn, minPos, level),
        specificity: rateOf(tn, tn + fp, minNeg, level),
      },
      calibration,
    },
    periods,
  };
}
