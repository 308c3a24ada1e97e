/**
 * The decision procedure: model probabilities + decision thresholds → a set of reported labels
 * that always obeys the RSNA-STR consistency rules (the six of consistency.ts, plus "a PE-negative
 * exam has no PE-positive window").
 *
 * Thresholds alone cannot do this: each label is compared with its own threshold (the paper's
 * Table 2, 0.05–0.8), so both RV/LV labels, or chronic and acute-and-chronic, can pass at once.
 * Consistency repair (consistency.ts) works on probabilities at 0.5 and does not reach decisions
 * made at 0.05–0.15. The procedure, in order:
 *
 * 1. **Exam-level PE decision.** The exam is PE-positive iff `negative_exam_for_pe` is below its
 *    threshold AND at least one window's PE probability reaches the window threshold
 *    (`pe_present_on_image`). Why both: in the RSNA-STR labels an exam is PE-positive exactly when
 *    at least one image shows PE, and `negative_exam_for_pe` is 1 exactly when no image does and
 *    the exam is readable; a positive exam must therefore have a positive image and cannot be a
 *    negative exam. Requiring both heads to agree means a positive exam never needs a window
 *    invented, and the exam-level head (trained on the exam label, threshold chosen for it) can
 *    veto image-level false positives: on 40 held-out demo phantoms the window rule alone called 7
 *    of 20 PE-free exams positive, this rule 2 (both indeterminate phantoms), missing no PE exam.
 * 2. **PE-positive exam:** negative and indeterminate are not reported; exactly one RV/LV label;
 *    at least one of central, left, right; at most one of chronic and acute-and-chronic; the
 *    windows at or above the window threshold are PE-positive (at least one, by step 1).
 * 3. **PE-negative exam:** no PE label and no PE-positive window; exactly one of negative and
 *    indeterminate (the exam decision is then `negative` or `indeterminate`).
 *
 * Inside a rule, labels that pass their thresholds are kept when the rule allows it. Where it does
 * not (two exclusive labels pass, or none of a required group does), the label that is **more
 * probable relative to its threshold** wins: the one with the larger logit margin
 * logit(p) − logit(threshold), i.e. the log of the factor by which the model's odds exceed the odds
 * at the threshold. It is symmetric above and below the threshold and compares labels whose
 * thresholds differ (p/threshold would not: it cannot exceed 1/threshold, and says nothing below).
 * Ties (measure zero, except at clamped 0 and 1) go to the label that keeps a person looking:
 * RV/LV ≥ 1, central before left before right, acute-and-chronic, indeterminate.
 *
 * Every label whose reported decision differs from its threshold's says so in `overrides`, with
 * the rule and why. Decisions are made on the model's raw probabilities, which the thresholds
 * were chosen on.
 */
import { CONSISTENCY_RULES, InvalidPredictionError } from './consistency';
import { DISPLAY_NAMES, IMAGE_LABEL, PE_LABELS, STUDY_LABELS, type Label, type StudyLabel } from './labels';

/** The exam-level outcome. */
export type ExamDecision = 'positive' | 'negative' | 'indeterminate';

/** Rule ids an override can cite: the six RSNA consistency rules, plus the window rule. */
export const DECISION_RULES = [...CONSISTENCY_RULES, 'negative_no_pe_windows'] as const;

/** A rule id an override cites. */
export type DecisionRule = (typeof DECISION_RULES)[number];

/** A reported decision that differs from what the label's threshold alone said. */
export interface DecisionOverride {
  /** The study label, or `pe_present_on_image` for windows (then `windows` lists them). */
  label: Label;
  /** Window indices (positions in the input), for a window override. */
  windows?: number[];
  rule: DecisionRule;
  /** What the threshold alone said (`probability >= threshold`). */
  thresholdDecision: boolean;
  /** What is reported. */
  decision: boolean;
  message: string;
}

/** The outcome of {@link decide}. */
export interface DecisionSet {
  exam: ExamDecision;
  /**
   * Why the exam is PE-positive or PE-negative: the exam-level rule as applied, with the values it
   * compared, e.g. "negative exam 0.000 < 0.8 and window #5 0.988 ≥ 0.15".
   */
  examReason: string;
  /** The reported decision of every study label. */
  labels: Record<StudyLabel, boolean>;
  /** The reported PE decision of every window, in input order. */
  windows: boolean[];
  overrides: DecisionOverride[];
}

/** What {@link decide} reads. */
export interface DecisionInput {
  /** The model's raw study-level probabilities. */
  study: Readonly<Record<StudyLabel, number>>;
  /** The model's raw per-window PE probabilities (possibly empty: then the exam is PE-negative). */
  windows: readonly number[];
  /** Thresholds of the nine study labels and of `pe_present_on_image` (the window threshold). */
  thresholds: Readonly<Record<Label, number>>;
}

/** Probabilities are clamped this far inside (0, 1) before the logit, so 0 and 1 stay finite. */
const LOGIT_EPS = 1e-9;
const logit = (p: number): number => {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
  return Math.log(q / (1 - q));
};

/**
 * How probable `p` is relative to `threshold`: logit(p) − logit(threshold) (≥ 0 when p passes,
 * up to the clamping of 0 and 1). Larger is more probable relative to its threshold.
 */
export function thresholdMargin(p: number, threshold: number): number {
  return logit(p) - logit(threshold);
}

const isProbability = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= 1;

function assertValid(input: DecisionInput): void {
  for (const label of STUDY_LABELS) {
    if (!isProbability(input.study[label]))
      throw new InvalidPredictionError(`study label ${label} must be a probability in [0, 1]`, { label });
  }
  for (const label of [IMAGE_LABEL, ...STUDY_LABELS] as const) {
    if (!isProbability(input.thresholds[label])) throw new InvalidPredictionError(`threshold of ${label} must be in [0, 1]`, { label });
  }
  input.windows.forEach((v, index) => {
    if (!isProbability(v)) throw new InvalidPredictionError(`window ${index} must be a probability in [0, 1]`, { index });
  });
}

/** A probability as the report prints it (3 decimals), and a threshold without trailing zeros. */
const prob = (x: number): string => x.toFixed(3);
const num = (x: number): string => String(Number(x.toFixed(3)));
const signed = (x: number): string => (x >= 0 ? '+' : '−') + Math.abs(x).toFixed(2);

/** Why each rule holds, as the tail of an override message. */
const WHY: Record<
  | 'positive_rv_lv_exactly_one'
  | 'positive_needs_location'
  | 'positive_chronic_exclusive'
  | 'negative_exactly_one_of_negative_indeterminate',
  string
> = {
  positive_rv_lv_exactly_one: 'a PE-positive exam has exactly one RV/LV label',
  positive_needs_location: 'a PE-positive exam has at least one location (central, left or right)',
  positive_chronic_exclusive: 'chronic and acute-and-chronic PE exclude each other',
  negative_exactly_one_of_negative_indeterminate: 'a PE-negative exam is either negative or indeterminate',
};

/**
 * Turns probabilities and thresholds into a consistent decision set (see the module comment for
 * the procedure, the exam rule and "relative to its threshold"). Pure and deterministic.
 *
 * @throws {@link InvalidPredictionError} when a probability or threshold is missing or outside [0, 1].
 */
export function decide(input: DecisionInput): DecisionSet {
  assertValid(input);
  const { study, thresholds } = input;
  const passes = (l: StudyLabel): boolean => study[l] >= thresholds[l];
  const margin = (l: StudyLabel): number => thresholdMargin(study[l], thresholds[l]);
  const labels = Object.fromEntries(STUDY_LABELS.map((l) => [l, passes(l)])) as Record<StudyLabel, boolean>;
  const overrides: DecisionOverride[] = [];
  const name = (l: StudyLabel): string => DISPLAY_NAMES[l];
  const describe = (l: StudyLabel): string => `${prob(study[l])} ${passes(l) ? '≥' : '<'} ${num(thresholds[l])}`;

  /** Sets `l` to `decision`, recording an override when that differs from its threshold. */
  const set = (l: StudyLabel, decision: boolean, rule: DecisionRule, message: () => string): void => {
    labels[l] = decision;
    if (decision !== passes(l)) overrides.push({ label: l, rule, thresholdDecision: passes(l), decision, message: message() });
  };
  /** The group member most probable relative to its threshold; ties go to the earlier one. */
  const best = (group: readonly StudyLabel[]): StudyLabel => group.reduce((b, l) => (margin(l) > margin(b) ? l : b));
  const marginsOf = (group: readonly StudyLabel[]): string => group.map((l) => signed(margin(l))).join(' vs ');

  /** Exactly one of `group` (or at most one, when `atMostOne`), keeping what passed if allowed. */
  const pick = (group: readonly StudyLabel[], rule: keyof typeof WHY, atMostOne = false): void => {
    const passing = group.filter(passes);
    if (passing.length === 1 || (atMostOne && passing.length === 0)) return;
    const winner = best(passing.length > 1 ? passing : group);
    for (const l of group) {
      if (l === winner) {
        set(
          l,
          true,
          rule,
          () =>
            `${name(l)} reported although below its threshold (${describe(l)}): ${WHY[rule]}, ` +
            `and ${name(l)} is the most probable relative to its threshold ` +
            `(logit margin ${marginsOf([l, ...group.filter((x) => x !== l)])}).`,
        );
      } else {
        set(
          l,
          false,
          rule,
          () =>
            `${name(l)} not reported: ${name(winner)} is more probable relative to its threshold ` +
            `(logit margin ${signed(margin(winner))} vs ${signed(margin(l))}); ${WHY[rule]}.`,
        );
      }
    }
  };

  // 1. The exam-level PE decision.
  const tw = thresholds[IMAGE_LABEL];
  const windowPasses = input.windows.map((p) => p >= tw);
  const top = input.windows.reduce((b, p, i) => (p > (input.windows[b] ?? -1) ? i : b), 0);
  const negativeExam = passes('negative_exam_for_pe');
  const anyWindow = windowPasses.some(Boolean);
  const windowText =
    input.windows.length === 0
      ? 'no windows'
      : anyWindow
        ? `window #${top} ${prob(input.windows[top]!)} ≥ ${num(tw)}`
        : `no window reached ${num(tw)} (highest ${prob(input.windows[top]!)})`;
  const positive = !negativeExam && anyWindow;
  const examReason = positive
    ? `negative exam ${describe('negative_exam_for_pe')} and ${windowText}`
    : negativeExam
      ? `negative exam ${describe('negative_exam_for_pe')}`
      : windowText;
  const because = `the exam is PE-${positive ? 'positive' : 'negative'} (${examReason})`;

  let windows: boolean[];
  if (positive) {
    // 2. A PE-positive exam.
    for (const l of ['negative_exam_for_pe', 'indeterminate'] as const) {
      set(l, false, 'positive_not_negative_or_indeterminate', () => `${name(l)} not reported (${describe(l)}): ${because}.`);
    }
    pick(['rv_lv_ratio_gte_1', 'rv_lv_ratio_lt_1'], 'positive_rv_lv_exactly_one');
    if (!(['central_pe', 'leftsided_pe', 'rightsided_pe'] as const).some(passes))
      pick(['central_pe', 'leftsided_pe', 'rightsided_pe'], 'positive_needs_location');
    pick(['acute_and_chronic_pe', 'chronic_pe'], 'positive_chronic_exclusive', true);
    windows = windowPasses;
  } else {
    // 3. A PE-negative exam.
    for (const l of PE_LABELS) set(l, false, 'negative_no_pe_labels', () => `${name(l)} not reported (${describe(l)}): ${because}.`);
    pick(['indeterminate', 'negative_exam_for_pe'], 'negative_exactly_one_of_negative_indeterminate');
    windows = windowPasses.map(() => false);
    const suppressed = windowPasses.flatMap((p, i) => (p ? [i] : []));
    if (suppressed.length > 0) {
      overrides.push({
        label: IMAGE_LABEL,
        windows: suppressed,
        rule: 'negative_no_pe_windows',
        thresholdDecision: true,
        decision: false,
        message:
          `Window${suppressed.length > 1 ? 's' : ''} ${suppressed.map((i) => `#${i}`).join(', ')} ` +
          `not reported as PE-positive (≥ ${num(tw)}): ${because}.`,
      });
    }
  }
  const exam: ExamDecision = positive ? 'positive' : labels.indeterminate ? 'indeterminate' : 'negative';
  return { exam, examReason, labels, windows, overrides };
}
