/**
 * Label-free input drift statistics: the population stability index (numeric and categorical)
 * and the two-sample Kolmogorov–Smirnov test.
 */
import { MetricsError } from './errors';
import { sortedQuantile } from './bootstrap-ci';
import { assertInteger } from './validate';

/** Options of the PSI functions. */
export interface PsiOptions {
  /** Numeric only: number of reference-quantile bins, default 10. */
  readonly bins?: number;
  /** Shares below this are raised to it before taking logs, default 1e-4. */
  readonly epsilon?: number;
}

/** PSI = Σ (c_b − r_b)·ln(c_b / r_b) over bins, with the shares of each bin. */
export interface PsiResult {
  readonly psi: number;
  /** Bin names: `≤ edge` / `> edge` intervals for numeric, the categories for categorical. */
  readonly bins: readonly string[];
  readonly referenceShares: readonly number[];
  readonly currentShares: readonly number[];
}

function psiOf(bins: string[], ref: number[], cur: number[], nRef: number, nCur: number, eps: number): PsiResult {
  const r = ref.map((c) => c / nRef);
  const c = cur.map((v) => v / nCur);
  let psi = 0;
  for (let b = 0; b < bins.length; b++) {
    const rb = Math.max(r[b] as number, eps);
    const cb = Math.max(c[b] as number, eps);
    psi += (cb - rb) * Math.log(cb / rb);
  }
  return { psi, bins, referenceShares: r, currentShares: c };
}

/** Finite values of `a`, sorted ascending. */
function sortedFinite(a: ArrayLike<number | null>, what: string): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v + 0);
  }
  if (out.length === 0) throw new MetricsError('INSUFFICIENT_DATA', `${what}: no finite values`);
  return Float64Array.from(out).sort();
}

/**
 * PSI of a numeric variable. Bin edges are the reference's quantiles (duplicates merged); a value
 * falls in the first bin whose upper edge is ≥ it. Missing (null, NaN) values are ignored.
 *
 * @throws MetricsError INSUFFICIENT_DATA when either sample has no finite value.
 */
export function populationStabilityIndex(
  reference: ArrayLike<number | null>,
  current: ArrayLike<number | null>,
  options: PsiOptions = {},
): PsiResult {
  const k = options.bins ?? 10;
  assertInteger(k, 1, 'PSI bins');
  const ref = sortedFinite(reference, 'PSI reference');
  const cur = sortedFinite(current, 'PSI current');
  const edges: number[] = [];
  for (let b = 1; b < k; b++) {
    const e = sortedQuantile(ref, b / k);
    if (edges.length === 0 || e > (edges[edges.length - 1] as number)) edges.push(e);
  }
  const count = (s: Float64Array): number[] => {
    const out = new Array<number>(edges.length + 1).fill(0);
    let b = 0;
    for (const v of s) {
      while (b < edges.length && v > (edges[b] as number)) b++;
      out[b] = (out[b] as number) + 1;
    }
    return out;
  };
  const names = edges.map((e) => `≤ ${e}`).concat(edges.length > 0 ? [`> ${edges[edges.length - 1]}`] : ['all']);
  return psiOf(names, count(ref), count(cur), ref.length, cur.length, options.epsilon ?? 1e-4);
}

/**
 * PSI of a categorical variable over the union of categories; null/undefined count as `(missing)`.
 *
 * @throws MetricsError INSUFFICIENT_DATA when either sample is empty.
 */
export function categoricalStabilityIndex(
  reference: ArrayLike<string | null | undefined>,
  current: ArrayLike<string | null | undefined>,
  options: Pick<PsiOptions, 'epsilon'> = {},
): PsiResult {
  if (reference.length === 0 || current.length === 0) throw new MetricsError('INSUFFICIENT_DATA', 'categorical PSI of an empty sample');
  const index = new Map<string, number>();
  const ref: number[] = [];
  const cur: number[] = [];
  const add = (v: string | null | undefined, into: number[], other: number[]) => {
    const key = v ?? '(missing)';
    let b = index.get(key);
    if (b === undefined) {
      b = index.size;
      index.set(key, b);
      into.push(0);
      other.push(0);
    }
    into[b] = (into[b] as number) + 1;
  };
  for (let i = 0; i < reference.length; i++) add(reference[i], ref, cur);
  for (let i = 0; i < current.length; i++) add(current[i], cur, ref);
  return psiOf([...index.keys()], ref, cur, reference.length, current.length, options.epsilon ?? 1e-4);
}

/** Two-sample Kolmogorov–Smirnov test. */
export interface KsResult {
  /** D = sup |F_ref − F_cur|. */
  readonly statistic: number;
  /** Asymptotic two-sided p-value, Q_KS(√(nm/(n+m))·D) (R's `ks.test(exact = FALSE)`). */
  readonly pValue: number;
  readonly referenceN: number;
  readonly currentN: number;
}

/** P(K > x) for the Kolmogorov distribution, to ~1e-15. */
export function kolmogorovSurvival(x: number): number {
  if (x <= 0) return 1;
  if (x < 1) {
    const z = -(Math.PI * Math.PI) / 8 / (x * x);
    let s = 0;
    for (let k = 1; k < 20; k += 2) s += Math.exp(k * k * z);
    return 1 - (Math.sqrt(2 * Math.PI) / x) * s;
  }
  let s = 0;
  for (let k = 1; k < 100; k++) {
    const t = 2 * (k % 2 === 1 ? 1 : -1) * Math.exp(-2 * k * k * x * x);
    s += t;
    if (Math.abs(t) < 1e-17) break;
  }
  return Math.min(1, Math.max(0, s));
}

/**
 * Two-sample Kolmogorov–Smirnov statistic and asymptotic p-value. Missing (null, NaN) values
 * are ignored; ties are handled by stepping over equal values together.
 *
 * @throws MetricsError INSUFFICIENT_DATA when either sample has no finite value.
 */
export function ksTwoSample(reference: ArrayLike<number | null>, current: ArrayLike<number | null>): KsResult {
  const a = sortedFinite(reference, 'KS reference');
  const b = sortedFinite(current, 'KS current');
  const n = a.length;
  const m = b.length;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < n && j < m) {
    const v = Math.min(a[i] as number, b[j] as number);
    while (i < n && a[i] === v) i++;
    while (j < m && b[j] === v) j++;
    d = Math.max(d, Math.abs(i / n - j / m));
  }
  return { statistic: d, pValue: kolmogorovSurvival(Math.sqrt((n * m) / (n + m)) * d), referenceN: n, currentN: m };
}
