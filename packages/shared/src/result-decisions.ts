/**
 * The decisions of a stored result, for every surface that shows or sorts them (CLI report,
 * worklist, webhooks), so that none of them re-applies thresholds on its own.
 */
import { decide, type DecisionOverride, type ExamDecision } from './decision';
import { DEFAULT_THRESHOLDS, IMAGE_LABEL, STUDY_LABELS, type Label, type StudyLabel } from './labels';
import type { AnalysisResult } from './result';

/** The decisions a result reports. */
export interface ResultDecisions {
  /** `withheld`: the study is non-diagnostic (a failed quality gate), and every decision is false. */
  exam: ExamDecision | 'withheld';
  /** Why the exam is PE-positive or PE-negative, or "Non-diagnostic: …" when withheld. */
  reason: string;
  windowThreshold: number;
  labels: Record<StudyLabel, boolean>;
  /** Per window, in `result.windows` order. */
  windows: boolean[];
  overrides: DecisionOverride[];
  /** False when the result predates the `exam` section and the decisions were recomputed here. */
  stored: boolean;
}

/**
 * Reads the decisions of `r`. A non-diagnostic result (failed quality gate) decides nothing. A
 * result with an `exam` section (everything `analyzePreprocessed` writes) is taken as it is. An
 * older result without one is decided again with {@link decide} on its raw probabilities (or
 * stored ones where it has none) and its own label thresholds; it carries no window threshold,
 * so the default (the paper's, as in every shipped manifest) applies.
 */
export function decisionsOf(r: AnalysisResult): ResultDecisions {
  // A non-diagnostic study reports no decision, whatever its probabilities say.
  if (r.quality?.diagnostic === false) {
    const labels = Object.fromEntries(STUDY_LABELS.map((l) => [l, false])) as Record<StudyLabel, boolean>;
    const windowThreshold = r.exam?.windowThreshold ?? DEFAULT_THRESHOLDS[IMAGE_LABEL];
    return {
      exam: 'withheld',
      reason: r.quality.reason ?? 'Non-diagnostic',
      windowThreshold,
      labels,
      windows: r.windows.map(() => false),
      overrides: [],
      stored: true,
    };
  }
  if (r.exam) {
    const labels = Object.fromEntries(STUDY_LABELS.map((l) => [l, r.labels[l]?.decision ?? false])) as Record<StudyLabel, boolean>;
    const windows = r.windows.map((w) => w.decision ?? false);
    return {
      exam: r.exam.decision,
      reason: r.exam.reason,
      windowThreshold: r.exam.windowThreshold,
      labels,
      windows,
      overrides: r.exam.overrides,
      stored: true,
    };
  }
  const thresholds = { ...DEFAULT_THRESHOLDS } as Record<Label, number>;
  const study = {} as Record<StudyLabel, number>;
  for (const l of STUDY_LABELS) {
    const x = r.labels[l];
    study[l] = x ? (x.rawProbability ?? x.probability) : 0;
    if (x) thresholds[l] = x.threshold;
  }
  const d = decide({ study, windows: r.windows.map((w) => w.rawProbability ?? w.probability), thresholds });
  return {
    exam: d.exam,
    reason: d.examReason,
    windowThreshold: thresholds[IMAGE_LABEL],
    labels: d.labels,
    windows: d.windows,
    overrides: d.overrides,
    stored: false,
  };
}
