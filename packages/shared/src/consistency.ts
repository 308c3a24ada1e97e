/**
 * RSNA-STR PE competition label-consistency rules: checking a prediction and repairing it to the
 * consistent prediction of lowest weighted log loss (the competition winners' post-processing).
 *
 * The competition rejected submissions whose study labels contradicted their image labels, so a
 * model's raw probabilities must be repaired before they are scored or reported.
 */
import { EmbolusError } from './errors';
import { IMAGE_LABEL_WEIGHT, PE_LABELS, STUDY_LABELS, STUDY_LABEL_WEIGHTS, type StudyLabel } from './labels';

/** Stable ids of the six consistency rules, in the order {@link check} reports them. */
export const CONSISTENCY_RULES = [
  'positive_rv_lv_exactly_one',
  'positive_needs_location',
  'positive_chronic_exclusive',
  'positive_not_negative_or_indeterminate',
  'negative_exactly_one_of_negative_indeterminate',
  'negative_no_pe_labels',
] as const;

/** A consistency rule id. */
export type ConsistencyRule = (typeof CONSISTENCY_RULES)[number];

/** A value is "positive" only when strictly greater than this; exactly 0.5 is not positive. */
export const POSITIVE_THRESHOLD = 0.5;

/**
 * How far past 0.5 {@link repair} moves a label that must become positive. Because the rule is a
 * strict `> 0.5`, the positive side is an open set with no closest point, so we step just past the
 * boundary: 1e-6 survives floating point (0.5 + 1e-6 > 0.5 exactly) while costing a negligible
 * extra loss over the unattainable infimum at 0.5.
 */
export const REPAIR_EPS = 1e-6;

/** A model's output for one study. */
export interface Prediction {
  /** The nine study-level probabilities. */
  study: Record<StudyLabel, number>;
  /** Per-image (or per-window) PE probabilities, possibly empty. */
  images: number[];
}

/** One broken rule. */
export interface Violation {
  /** Stable rule id. */
  rule: ConsistencyRule;
  /** Human-readable explanation. */
  message: string;
  /** The study labels the rule constrains. */
  labels: StudyLabel[];
}

/** The outcome of {@link repair}. */
export interface RepairResult {
  /** The consistent prediction (a fresh object; the input is never mutated). */
  prediction: Prediction;
  /** Study labels whose value was moved, in STUDY_LABELS order. */
  changed: StudyLabel[];
  /** True when any image probability was moved (the study's positivity flipped). */
  imagesChanged: boolean;
  /** Indices of the images whose probability was moved, ascending. */
  changedImages: number[];
  /** What {@link check} reported on the input. */
  violationsBefore: Violation[];
  /** Weighted KL divergence of the repair from the raw probabilities (0 when nothing changed). */
  cost: number;
}

/** Thrown when a prediction is missing a label or holds a value outside [0, 1]. */
export class InvalidPredictionError extends EmbolusError {
  constructor(message: string, details: Record<string, unknown>) {
    super('INVALID_PREDICTION', message, { details });
  }
}

const isPositive = (p: number): boolean => p > POSITIVE_THRESHOLD;

/** True when the study counts as PE-positive: some image (or window) probability is > 0.5. */
export function isStudyPositive(images: readonly number[]): boolean {
  return images.some(isPositive);
}

function assertValid(prediction: Prediction): void {
  const ok = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;
  for (const label of STUDY_LABELS) {
    const v: unknown = prediction.study[label];
    if (!ok(v)) throw new InvalidPredictionError(`study label ${label} must be a probability in [0, 1]`, { label });
  }
  prediction.images.forEach((v, index) => {
    if (!ok(v)) throw new InvalidPredictionError(`image ${index} must be a probability in [0, 1]`, { index });
  });
}

/**
 * The rules themselves, over "sides" rather than values, so that {@link check} and the pattern
 * enumeration in {@link repair} share one definition and cannot drift apart.
 */
function violationsOf(studyPositive: boolean, pos: (label: StudyLabel) => boolean): Violation[] {
  const out: Violation[] = [];
  const add = (rule: ConsistencyRule, message: string, labels: StudyLabel[]): void => {
    out.push({ rule, message, labels });
  };
  if (studyPositive) {
    if (pos('rv_lv_ratio_gte_1') === pos('rv_lv_ratio_lt_1')) {
      add('positive_rv_lv_exactly_one', 'A positive study needs exactly one RV/LV ratio label > 0.5.', [
        'rv_lv_ratio_gte_1',
        'rv_lv_ratio_lt_1',
      ]);
    }
    if (!pos('central_pe') && !pos('leftsided_pe') && !pos('rightsided_pe')) {
      add('positive_needs_location', 'A positive study needs at least one of central, left- or right-sided PE > 0.5.', [
        'central_pe',
        'leftsided_pe',
        'rightsided_pe',
      ]);
    }
    if (pos('chronic_pe') && pos('acute_and_chronic_pe')) {
      add('positive_chronic_exclusive', 'Chronic PE and acute-and-chronic PE cannot both be > 0.5.', [
        'chronic_pe',
        'acute_and_chronic_pe',
      ]);
    }
    const contradicting = (['negative_exam_for_pe', 'indeterminate'] as const).filter(pos);
    if (contradicting.length > 0) {
      add('positive_not_negative_or_indeterminate', `A positive study cannot have ${contradicting.join(' or ')} > 0.5.`, [
        'negative_exam_for_pe',
        'indeterminate',
      ]);
    }
  } else {
    if (pos('negative_exam_for_pe') === pos('indeterminate')) {
      add(
        'negative_exactly_one_of_negative_indeterminate',
        'A negative study needs exactly one of negative exam and indeterminate > 0.5.',
        ['negative_exam_for_pe', 'indeterminate'],
      );
    }
    const pe = PE_LABELS.filter(pos);
    if (pe.length > 0) add('negative_no_pe_labels', `A negative study cannot have ${pe.join(', ')} > 0.5.`, [...pe]);
  }
  return out;
}

/**
 * Lists the consistency rules the prediction breaks (empty when consistent). Thresholds are
 * strict: a value of exactly 0.5 is not positive.
 *
 * @throws {@link InvalidPredictionError} when a value is missing or outside [0, 1].
 */
export function check(prediction: Prediction): Violation[] {
  assertValid(prediction);
  return violationsOf(isStudyPositive(prediction.images), (label) => isPositive(prediction.study[label]));
}

/** One consistent assignment of sides; bit i of `mask` says STUDY_LABELS[i] is > 0.5. */
interface Pattern {
  studyPositive: boolean;
  mask: number;
}

/**
 * Every consistent pattern (42 positive, 2 negative), computed once. The order is the
 * deterministic tie-break of last resort: negative before positive, then ascending mask.
 */
const CONSISTENT_PATTERNS: readonly Pattern[] = [false, true].flatMap((studyPositive) =>
  Array.from({ length: 1 << STUDY_LABELS.length }, (_, mask) => ({ studyPositive, mask })).filter(
    (p) => violationsOf(p.studyPositive, (label) => ((p.mask >> STUDY_LABELS.indexOf(label)) & 1) === 1).length === 0,
  ),
);

/** p·ln(p/q) with the 0·ln 0 = 0 convention, so probabilities of exactly 0 or 1 stay finite. */
const plogpq = (p: number, q: number): number => (p === 0 ? 0 : p * Math.log(p / q));

/**
 * Binary KL divergence KL(p‖q) = cross-entropy(p, q) − entropy(p): the extra log loss paid by
 * reporting q when the raw model believes p. Clamped at 0 against rounding below zero.
 */
function kl(p: number, q: number): number {
  return Math.max(0, plogpq(p, q) + plogpq(1 - p, 1 - q));
}

/** Where a value must go to land on the requested side, and what that costs (0 if already there). */
function move(p: number, positive: boolean): number {
  if (isPositive(p) === positive) return p;
  // The closest non-positive value is 0.5 itself (the rule is strict), but there is no closest
  // positive value, hence the asymmetric EPS step.
  return positive ? POSITIVE_THRESHOLD + REPAIR_EPS : POSITIVE_THRESHOLD;
}

/** The image moves that flip the study's positivity, with their cost (Infinity if impossible). */
function imageFlip(images: readonly number[]): { images: number[]; changed: number[]; cost: number } {
  const n = images.length;
  const changed: number[] = [];
  if (isStudyPositive(images)) {
    images.forEach((p, i) => {
      if (isPositive(p)) changed.push(i);
    });
  } else if (n > 0) {
    // Raise only the single most likely image: one positive image is all the rule needs, and the
    // first maximum keeps the choice deterministic.
    changed.push(images.reduce((best, p, i) => (p > (images[best] ?? -1) ? i : best), 0));
  } else {
    return { images: [], changed, cost: Number.POSITIVE_INFINITY };
  }
  // The competition weights each image by IMAGE_LABEL_WEIGHT × q, q being the study's share of
  // positive images. Our choice: q = (images moved) / n, the positive share on the positive side
  // of the move. The raw share would be 0 when raising, making that move wrongly free.
  const weight = IMAGE_LABEL_WEIGHT * (changed.length / n);
  const out = [...images];
  let cost = 0;
  for (const i of changed) {
    const p = images[i] ?? 0;
    const q = move(p, !isPositive(p));
    out[i] = q;
    cost += weight * kl(p, q);
  }
  return { images: out, changed, cost };
}

/**
 * Returns the consistent prediction closest to `prediction` in competition-weighted log loss.
 *
 * Every consistent pattern of sides is scored: labels already on their required side keep their
 * raw value (that is where the loss is minimal), the rest move just across 0.5, and each move
 * costs its label's STUDY_LABEL_WEIGHTS weight × KL(raw‖moved); flipping the study's positivity
 * adds the image cost (clamp every image > 0.5 to 0.5, or raise the highest image to 0.5 + EPS).
 * The cheapest pattern wins; ties go to fewer moves (an image flip counts as one), then to a fixed
 * pattern order. Costs are per study and unnormalised, which is enough for choosing within one
 * study. A study with no images cannot become positive. A consistent input comes back as an
 * equal copy with `changed = []` and `cost = 0`.
 *
 * @throws {@link InvalidPredictionError} when a value is missing or outside [0, 1].
 */
export function repair(prediction: Prediction): RepairResult {
  const violationsBefore = check(prediction);
  const copy: Prediction = { study: { ...prediction.study }, images: [...prediction.images] };
  if (violationsBefore.length === 0) {
    return { prediction: copy, changed: [], imagesChanged: false, changedImages: [], violationsBefore, cost: 0 };
  }

  const rawPositive = isStudyPositive(prediction.images);
  const flip = imageFlip(prediction.images);
  let best: { pattern: Pattern; cost: number; moves: number } | undefined;
  for (const pattern of CONSISTENT_PATTERNS) {
    const flips = pattern.studyPositive !== rawPositive;
    let cost = flips ? flip.cost : 0;
    let moves = flips ? 1 : 0;
    STUDY_LABELS.forEach((label, i) => {
      const p = prediction.study[label];
      const q = move(p, ((pattern.mask >> i) & 1) === 1);
      if (q !== p) {
        cost += STUDY_LABEL_WEIGHTS[label] * kl(p, q);
        moves += 1;
      }
    });
    if (!best || cost < best.cost || (cost === best.cost && moves < best.moves)) best = { pattern, cost, moves };
  }
  // The two negative patterns need no images, so a finite best always exists.
  if (!best) throw new Error('unreachable: no consistent pattern');
  const chosen = best;

  const changed: StudyLabel[] = [];
  STUDY_LABELS.forEach((label, i) => {
    const p = prediction.study[label];
    const q = move(p, ((chosen.pattern.mask >> i) & 1) === 1);
    if (q !== p) {
      copy.study[label] = q;
      changed.push(label);
    }
  });
  const flips = chosen.pattern.studyPositive !== rawPositive;
  if (flips) copy.images = flip.images;
  return {
    prediction: copy,
    changed,
    imagesChanged: flips,
    changedImages: flips ? flip.changed : [],
    violationsBefore,
    cost: chosen.cost,
  };
}
