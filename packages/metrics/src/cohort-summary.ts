/**
 * Cohort summaries over calendar windows (ISO weeks or months, UTC): AUROC with its DeLong CI
 * per label per window, with counts. Below a minimum number of positives or negatives a cell is
 * the tagged value `{ kind: 'insufficient_data' }` rather than a number.
 */
import { delongCiOfGroups } from './delong';
import { MetricsError } from './errors';
import type { LabelPredictions } from './log-loss';
import { assertInteger, assertLevel } from './validate';

/** Calendar window of a cohort summary. */
export type TimeWindow = 'week' | 'month';

/** Studies with their times and, per label, truths and probabilities aligned with `time`. */
export interface CohortInput {
  /** Time of each study, epoch milliseconds (UTC). */
  readonly time: ArrayLike<number>;
  /** Per label; a NaN truth or probability marks the label as not available for that study. */
  readonly labels: Readonly<Record<string, LabelPredictions>>;
}

/** Options of {@link cohortSummary}. */
export interface CohortOptions {
  readonly window: TimeWindow;
  /** Fewest positives for an AUROC, default 10 (at least 2). */
  readonly minPositives?: number;
  /** Fewest negatives for an AUROC, default 10 (at least 2). */
  readonly minNegatives?: number;
  /** Confidence level of the DeLong CI, default 0.95. */
  readonly level?: number;
}

/** A label's result in one window: an AUROC with CI, or the tagged "insufficient data". */
export type CohortCell =
  | {
      readonly kind: 'auroc';
      readonly n: number;
      readonly positives: number;
      readonly negatives: number;
      readonly auroc: number;
      readonly ci: readonly [number, number];
    }
  | {
      readonly kind: 'insufficient_data';
      readonly n: number;
      readonly positives: number;
      readonly negatives: number;
      /** The minimum counts that were not met. */
      readonly required: { readonly positives: number; readonly negatives: number };
    };

/** One calendar window of a cohort summary. */
export interface CohortWindow {
  /** `YYYY-MM` for months, ISO `YYYY-Www` for weeks. */
  readonly key: string;
  /** First day, `YYYY-MM-DD` (UTC). */
  readonly start: string;
  /** Day after the last day, `YYYY-MM-DD` (UTC, exclusive). */
  readonly end: string;
  /** Number of studies in the window. */
  readonly studies: number;
  readonly labels: Readonly<Record<string, CohortCell>>;
}

const DAY = 86_400_000;

/** Index of the window holding `t`: months since 1970-01, or ISO weeks since 1969-12-29 (a Monday). */
export function windowIndex(t: number, window: TimeWindow): number {
  if (window === 'week') return Math.floor((Math.floor(t / DAY) + 3) / 7);
  const d = new Date(t);
  return (d.getUTCFullYear() - 1970) * 12 + d.getUTCMonth();
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

export function describeWindow(index: number, window: TimeWindow): { key: string; start: string; end: string } {
  if (window === 'month') {
    const y = 1970 + Math.floor(index / 12);
    const mo = index - (y - 1970) * 12;
    const start = Date.UTC(y, mo, 1);
    return { key: `${y}-${String(mo + 1).padStart(2, '0')}`, start: isoDay(start), end: isoDay(Date.UTC(y, mo + 1, 1)) };
  }
  const start = (index * 7 - 3) * DAY;
  const thursday = new Date(start + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / DAY / 7) + 1;
  return { key: `${year}-W${String(week).padStart(2, '0')}`, start: isoDay(start), end: isoDay(start + 7 * DAY) };
}

/**
 * AUROC and DeLong CI per label per calendar window, from the first to the last window holding a
 * study (empty windows included, with insufficient-data cells).
 *
 * @throws MetricsError INVALID_INPUT on mismatched lengths, non-finite times, truths other than
 *   0, 1 or NaN, or minimums below 2.
 */
export function cohortSummary(input: CohortInput, options: CohortOptions): CohortWindow[] {
  const minPos = options.minPositives ?? 10;
  const minNeg = options.minNegatives ?? 10;
  assertInteger(minPos, 2, 'minPositives');
  assertInteger(minNeg, 2, 'minNegatives');
  const level = options.level ?? 0.95;
  assertLevel(level);
  const n = input.time.length;
  const idx = new Float64Array(n);
  let first = Infinity;
  let last = -Infinity;
  for (let i = 0; i < n; i++) {
    const t = input.time[i] as number;
    if (!Number.isFinite(t)) throw new MetricsError('INVALID_INPUT', `cohort: time[${i}] is not finite`, { details: { index: i } });
    const w = windowIndex(t, options.window);
    idx[i] = w;
    if (w < first) first = w;
    if (w > last) last = w;
  }
  if (n === 0) return [];
  const count = last - first + 1;
  // Counting sort of study indices by window.
  const offsets = new Uint32Array(count + 1);
  for (let i = 0; i < n; i++) {
    const w = (idx[i] as number) - first + 1;
    offsets[w] = (offsets[w] as number) + 1;
  }
  for (let w = 0; w < count; w++) offsets[w + 1] = (offsets[w + 1] as number) + (offsets[w] as number);
  const order = new Uint32Array(n);
  const cursor = offsets.slice(0, count);
  for (let i = 0; i < n; i++) {
    const w = (idx[i] as number) - first;
    const at = cursor[w] as number;
    order[at] = i;
    cursor[w] = at + 1;
  }
  let widest = 0;
  for (let w = 0; w < count; w++) widest = Math.max(widest, (offsets[w + 1] as number) - (offsets[w] as number));
  const cases = new Float64Array(widest);
  const controls = new Float64Array(widest);

  const cells: Record<string, CohortCell>[] = Array.from({ length: count }, () => ({}));
  for (const [label, { truth, probability }] of Object.entries(input.labels)) {
    if (truth.length !== n || probability.length !== n) {
      throw new MetricsError(
        'INVALID_INPUT',
        `cohort: label ${label} has ${truth.length} truths and ${probability.length} probabilities for ${n} studies`,
      );
    }
    for (let w = 0; w < count; w++) {
      let a = 0;
      let b = 0;
      for (let k = offsets[w] as number; k < (offsets[w + 1] as number); k++) {
        const i = order[k] as number;
        const y = truth[i] as number;
        const p = (probability[i] as number) + 0;
        if (y !== y || p !== p) continue;
        if (y === 1) cases[a++] = p;
        else if (y === 0) controls[b++] = p;
        else
          throw new MetricsError('INVALID_INPUT', `cohort: ${label} truth[${i}] must be 0, 1 or NaN, got ${y}`, { details: { index: i } });
      }
      const base = { n: a + b, positives: a, negatives: b };
      const target = cells[w] as Record<string, CohortCell>;
      if (a < minPos || b < minNeg) {
        target[label] = { kind: 'insufficient_data', ...base, required: { positives: minPos, negatives: minNeg } };
        continue;
      }
      const g = { cases: cases.subarray(0, a).sort(), controls: controls.subarray(0, b).sort() };
      const r = delongCiOfGroups(g, level);
      target[label] = { kind: 'auroc', ...base, auroc: r.auroc, ci: r.ci };
    }
  }
  return cells.map((labels, w) => ({
    ...describeWindow(first + w, options.window),
    studies: (offsets[w + 1] as number) - (offsets[w] as number),
    labels,
  }));
}
