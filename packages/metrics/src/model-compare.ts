/**
 * Comparing two model versions on the same studies: for each study label, the studies that both
 * versions analysed (as the decision or in shadow) and that have ground truth for the label,
 * scored with DeLong's paired test (correlated AUROCs, two-sided).
 */
import { STUDY_LABELS } from '@embolus/shared';
import { delongTest } from './delong';
import { MetricsError } from './errors';

/** One version's raw per-label probabilities for one study. */
export interface StudyPrediction {
  studyId: string;
  probabilities: Record<string, number>;
}

/** The comparison of one label. `test` is null when the label has too few cases or controls. */
export interface LabelComparison {
  label: string;
  n: number;
  positives: number;
  test: { aurocA: number; aurocB: number; difference: number; ci: [number, number]; z: number; pValue: number } | null;
  reason?: string;
}

/** Pairs the predictions of A and B by study and runs the paired DeLong test per label. */
export function compareVersions(
  a: StudyPrediction[],
  b: StudyPrediction[],
  truth: Map<string, Record<string, number>>,
  level = 0.95,
): { studies: number; labels: LabelComparison[] } {
  const byStudyB = new Map(b.map((p) => [p.studyId, p.probabilities]));
  const paired = a.filter((p) => byStudyB.has(p.studyId));
  const labels = STUDY_LABELS.map((label): LabelComparison => {
    const sa: number[] = [];
    const sb: number[] = [];
    const t: number[] = [];
    for (const p of paired) {
      const y = truth.get(p.studyId)?.[label];
      const x = p.probabilities[label];
      const z = byStudyB.get(p.studyId)?.[label];
      if (y === undefined || x === undefined || z === undefined) continue;
      sa.push(x);
      sb.push(z);
      t.push(y);
    }
    const positives = t.reduce((s, y) => s + y, 0);
    try {
      const r = delongTest(sa, sb, t, level);
      return {
        label,
        n: t.length,
        positives,
        test: { aurocA: r.aurocA, aurocB: r.aurocB, difference: r.difference, ci: [r.ci[0], r.ci[1]], z: r.z, pValue: r.pValue },
      };
    } catch (e) {
      // Too few positives or negatives is an answer about the data, not a failure of the request.
      if (e instanceof MetricsError) return { label, n: t.length, positives, test: null, reason: e.code };
      throw e;
    }
  });
  return { studies: paired.length, labels };
}
