/**
 * Log loss, per label and as the RSNA-STR PE competition's weighted log loss: every study label
 * is weighted by STUDY_LABEL_WEIGHTS, every image of study i by IMAGE_LABEL_WEIGHT × q_i (q_i the
 * share of positive images in that study), and the result is total weighted loss / total weight.
 * Probabilities are clipped to [1e-15, 1 − 1e-15].
 */
import { IMAGE_LABEL_WEIGHT, STUDY_LABEL_WEIGHTS, STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import { MetricsError } from './errors';
import { assertSameLength, binaryAt, probabilityAt } from './validate';

/** Probabilities are clipped to [PROBABILITY_CLIP, 1 − PROBABILITY_CLIP] before taking logs. */
export const PROBABILITY_CLIP = 1e-15;

/** Binary cross-entropy −[y·ln p + (1 − y)·ln(1 − p)] of one prediction, with clipping. */
export function binaryCrossEntropy(truth: 0 | 1, probability: number): number {
  const p = Math.min(Math.max(probability, PROBABILITY_CLIP), 1 - PROBABILITY_CLIP);
  return truth === 1 ? -Math.log(p) : -Math.log(1 - p);
}

/** Truths (0/1) and probabilities of one label, aligned by index. */
export interface LabelPredictions {
  readonly truth: ArrayLike<number>;
  readonly probability: ArrayLike<number>;
}

/**
 * Mean (unweighted) log loss of one label.
 *
 * @throws MetricsError INVALID_INPUT on bad arrays; INSUFFICIENT_DATA when empty.
 */
export function logLoss(truth: ArrayLike<number>, probability: ArrayLike<number>): number {
  assertSameLength(truth, probability, 'log loss');
  if (truth.length === 0) throw new MetricsError('INSUFFICIENT_DATA', 'log loss of no predictions');
  let sum = 0;
  for (let i = 0; i < truth.length; i++) {
    sum += binaryCrossEntropy(binaryAt(truth, i, 'log loss'), probabilityAt(probability, i, 'log loss'));
  }
  return sum / truth.length;
}

/** Mean log loss of each label of `byLabel`, keyed like the input. */
export function perLabelLogLoss(byLabel: Readonly<Record<string, LabelPredictions>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [label, v] of Object.entries(byLabel)) out[label] = logLoss(v.truth, v.probability);
  return out;
}

/** One study's inputs to the competition metric. Study labels left out are skipped. */
export interface StudyLogLossInput {
  /** Study-level truths (0/1) and probabilities by label. */
  readonly studyLabels?: Partial<Record<StudyLabel, { readonly truth: number; readonly probability: number }>>;
  /** pe_present_on_image truths and probabilities of this study's images. */
  readonly images?: LabelPredictions;
}

/** The competition's weighted log loss and its two parts. */
export interface WeightedLogLoss {
  /** Total weighted loss / total weight: the competition score (lower is better). */
  readonly loss: number;
  /** Study-label part alone: weighted loss / weight of the study labels. NaN if none. */
  readonly studyLevel: number;
  /** Image part alone: weighted loss / weight of the images. NaN if no image has weight. */
  readonly imageLevel: number;
  /** Sum of study-label weights. */
  readonly studyWeight: number;
  /** Sum of image weights, Σ IMAGE_LABEL_WEIGHT·q_i over images. */
  readonly imageWeight: number;
  readonly studies: number;
  readonly images: number;
}

/**
 * The RSNA-STR PE competition metric over `studies`.
 *
 * @throws MetricsError INVALID_INPUT on truths other than 0/1 or probabilities outside [0, 1];
 *   INSUFFICIENT_DATA when the total weight is 0.
 */
export function weightedLogLoss(studies: Iterable<StudyLogLossInput>): WeightedLogLoss {
  let studyLoss = 0;
  let studyWeight = 0;
  let imageLoss = 0;
  let imageWeight = 0;
  let count = 0;
  let images = 0;
  for (const s of studies) {
    count++;
    for (const label of STUDY_LABELS) {
      const v = s.studyLabels?.[label];
      if (v === undefined) continue;
      const what = `weighted log loss (${label})`;
      const w = STUDY_LABEL_WEIGHTS[label];
      studyLoss += w * binaryCrossEntropy(binaryAt([v.truth], 0, what), probabilityAt([v.probability], 0, what));
      studyWeight += w;
    }
    if (s.images !== undefined && s.images.truth.length > 0) {
      const { truth, probability } = s.images;
      assertSameLength(truth, probability, 'weighted log loss images');
      let positives = 0;
      for (let i = 0; i < truth.length; i++) positives += binaryAt(truth, i, 'weighted log loss images');
      const w = IMAGE_LABEL_WEIGHT * (positives / truth.length);
      let sum = 0;
      for (let i = 0; i < truth.length; i++) {
        sum += binaryCrossEntropy(truth[i] === 1 ? 1 : 0, probabilityAt(probability, i, 'weighted log loss images'));
      }
      imageLoss += w * sum;
      imageWeight += w * truth.length;
      images += truth.length;
    }
  }
  const total = studyWeight + imageWeight;
  if (total === 0) throw new MetricsError('INSUFFICIENT_DATA', 'weighted log loss: total weight is 0');
  return {
    loss: (studyLoss + imageLoss) / total,
    studyLevel: studyWeight > 0 ? studyLoss / studyWeight : NaN,
    imageLevel: imageWeight > 0 ? imageLoss / imageWeight : NaN,
    studyWeight,
    imageWeight,
    studies: count,
    images,
  };
}
