/**
 * A drift report comparing a reference period with a current one, without labels: PSI and KS on
 * the predicted probabilities and on numeric input descriptors (e.g. slice thickness), PSI on
 * categorical descriptors (e.g. manufacturer).
 */
import {
  categoricalStabilityIndex,
  ksTwoSample,
  populationStabilityIndex,
  type KsResult,
  type PsiOptions,
  type PsiResult,
} from './drift-statistics';
import { MetricsError } from './errors';

/** Values of one descriptor: numbers (null/NaN = missing) or category names (null = missing). */
export type DescriptorValues = ArrayLike<number | null> | ArrayLike<string | null>;

/** One period's model outputs and input descriptors. */
export interface DriftSample {
  /** Predicted probabilities; reported under the key `probability`. */
  readonly probability?: ArrayLike<number>;
  /** Descriptors by name, e.g. `{ sliceThickness: [...], manufacturer: [...] }`. */
  readonly descriptors?: Readonly<Record<string, DescriptorValues>>;
}

/** Drift of one variable. */
export type FeatureDrift =
  | ({ readonly kind: 'numeric'; readonly ks: KsResult } & PsiResult)
  | ({ readonly kind: 'categorical' } & PsiResult);

function isCategorical(v: DescriptorValues): v is ArrayLike<string | null> {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x !== null && x !== undefined) return typeof x === 'string';
  }
  return false;
}

/**
 * Compares `current` with `reference` variable by variable (those present in both). A variable
 * is categorical when its first non-missing reference value is a string.
 *
 * @throws MetricsError INVALID_INPUT when a variable is numeric in one period and categorical in
 *   the other; INSUFFICIENT_DATA when a variable has no usable value in a period.
 */
export function driftReport(reference: DriftSample, current: DriftSample, options: PsiOptions = {}): Record<string, FeatureDrift> {
  const out: Record<string, FeatureDrift> = {};
  if (reference.probability && current.probability) {
    out['probability'] = numeric(reference.probability, current.probability, options);
  }
  for (const [name, ref] of Object.entries(reference.descriptors ?? {})) {
    const cur = current.descriptors?.[name];
    if (cur === undefined) continue;
    const refCat = isCategorical(ref);
    if (cur.length > 0 && refCat !== isCategorical(cur)) {
      throw new MetricsError(
        'INVALID_INPUT',
        `descriptor '${name}' is ${refCat ? 'categorical' : 'numeric'} in reference but not in current`,
      );
    }
    out[name] = refCat
      ? { kind: 'categorical', ...categoricalStabilityIndex(ref as ArrayLike<string | null>, cur as ArrayLike<string | null>, options) }
      : numeric(ref as ArrayLike<number | null>, cur as ArrayLike<number | null>, options);
  }
  return out;
}

function numeric(ref: ArrayLike<number | null>, cur: ArrayLike<number | null>, options: PsiOptions): FeatureDrift {
  return { kind: 'numeric', ...populationStabilityIndex(ref, cur, options), ks: ksTwoSample(ref, cur) };
}
