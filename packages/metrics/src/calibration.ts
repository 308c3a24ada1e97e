/**
 * Calibration: reliability bins, expected calibration error and the Brier score.
 */
import { MetricsError } from './errors';
import { assertInteger, assertSameLength, binaryAt, probabilityAt } from './validate';

/** One bin of a reliability diagram. Means are null for an empty bin. */
export interface ReliabilityBin {
  /** Lower edge (inclusive). */
  readonly lower: number;
  /** Upper edge (exclusive, except 1 for the last uniform bin). */
  readonly upper: number;
  readonly count: number;
  /** Mean predicted probability in the bin. */
  readonly meanProbability: number | null;
  /** Observed share of positives in the bin. */
  readonly observedRate: number | null;
}

/** Options of {@link reliabilityBins}. */
export interface ReliabilityOptions {
  /** Number of bins, default 10. */
  readonly bins?: number;
  /**
   * `'uniform'` (default): equal-width bins on [0, 1]; `'quantile'`: bins of (nearly) equal
   * counts, tied probabilities never split across bins.
   */
  readonly strategy?: 'uniform' | 'quantile';
}

function checked(probability: ArrayLike<number>, truth: ArrayLike<number>, what: string): void {
  assertSameLength(probability, truth, what);
  if (probability.length === 0) throw new MetricsError('INSUFFICIENT_DATA', `${what} of no predictions`);
}

/**
 * Reliability-diagram bins of `probability` against binary `truth`.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays or options; INSUFFICIENT_DATA when empty.
 */
export function reliabilityBins(
  probability: ArrayLike<number>,
  truth: ArrayLike<number>,
  options: ReliabilityOptions = {},
): ReliabilityBin[] {
  const what = 'reliability bins';
  checked(probability, truth, what);
  const k = options.bins ?? 10;
  assertInteger(k, 1, 'bins');
  const n = probability.length;
  const binOf = new Uint32Array(n);
  if ((options.strategy ?? 'uniform') === 'uniform') {
    for (let i = 0; i < n; i++) binOf[i] = Math.min(k - 1, Math.floor(probabilityAt(probability, i, what) * k));
  } else {
    for (let i = 0; i < n; i++) probabilityAt(probability, i, what);
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (probability[a] as number) - (probability[b] as number));
    let prevBin = 0;
    for (let r = 0; r < n; r++) {
      const i = order[r] as number;
      const tiedWithPrevious = r > 0 && probability[order[r - 1] as number] === probability[i];
      const bin = tiedWithPrevious ? prevBin : Math.floor((r * k) / n);
      binOf[i] = bin;
      prevBin = bin;
    }
  }
  const count = new Float64Array(k);
  const sumP = new Float64Array(k);
  const sumY = new Float64Array(k);
  const lo = new Float64Array(k).fill(Infinity);
  const hi = new Float64Array(k).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const b = binOf[i] as number;
    const p = probability[i] as number;
    count[b] = (count[b] as number) + 1;
    sumP[b] = (sumP[b] as number) + p;
    sumY[b] = (sumY[b] as number) + binaryAt(truth, i, what);
    lo[b] = Math.min(lo[b] as number, p);
    hi[b] = Math.max(hi[b] as number, p);
  }
  const bins: ReliabilityBin[] = [];
  for (let b = 0; b < k; b++) {
    const c = count[b] as number;
    const uniform = (options.strategy ?? 'uniform') === 'uniform';
    if (!uniform && c === 0) continue;
    bins.push({
      lower: uniform ? b / k : (lo[b] as number),
      upper: uniform ? (b + 1) / k : (hi[b] as number),
      count: c,
      meanProbability: c > 0 ? (sumP[b] as number) / c : null,
      observedRate: c > 0 ? (sumY[b] as number) / c : null,
    });
  }
  return bins;
}

/**
 * Expected calibration error: Σ (n_b / n)·|observed rate_b − mean probability_b| over bins.
 *
 * @throws MetricsError as {@link reliabilityBins}.
 */
export function expectedCalibrationError(
  probability: ArrayLike<number>,
  truth: ArrayLike<number>,
  options: ReliabilityOptions = {},
): number {
  let ece = 0;
  for (const b of reliabilityBins(probability, truth, options)) {
    if (b.meanProbability === null || b.observedRate === null) continue;
    ece += (b.count / probability.length) * Math.abs(b.observedRate - b.meanProbability);
  }
  return ece;
}

/**
 * Brier score: mean squared difference between probability and truth.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays; INSUFFICIENT_DATA when empty.
 */
export function brierScore(probability: ArrayLike<number>, truth: ArrayLike<number>): number {
  const what = 'Brier score';
  checked(probability, truth, what);
  let s = 0;
  for (let i = 0; i < probability.length; i++) {
    const d = probabilityAt(probability, i, what) - binaryAt(truth, i, what);
    s += d * d;
  }
  return s / probability.length;
}
