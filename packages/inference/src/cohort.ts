/**
 * Scoring a model on a labelled cohort in RSNA layout through the serving path (TypeScript
 * preprocessing + ONNX Runtime): per label AUROC with its DeLong 95% CI, the window-level AUROC,
 * and, when asked, the threshold each label gets on these (validation) studies. The one loop for
 * runner validation and evaluation jobs and the demo model's held-out evaluation; the per-label
 * rule is @embolus/metrics' `scoreLabel`.
 */
import { analyzeFolder } from './analyze';
import type { LoadedModel } from './model';
import { scoreLabel, type LabelScore, type ThresholdRule } from '@embolus/metrics';
import { windowLabelsFromSlices } from '@embolus/preprocess';
import type { RsnaStudy } from '@embolus/preprocess/node';
import { IMAGE_LABEL, STUDY_LABELS, type Label } from '@embolus/shared';

/** One label's metrics. `auroc` is null with fewer than two positives or two negatives. */
export type LabelMetrics = LabelScore;

/** Metrics of a cohort. */
export interface CohortMetrics {
  studies: number;
  windows: number;
  labels: Record<Label, LabelMetrics>;
  msPerStudy: number;
}

/**
 * Runs `model` on every study and scores it. Uses the raw (pre-repair) probabilities: repair
 * ties many studies at 0.5, which would blunt the ranking AUROC measures.
 */
export async function scoreCohort(
  model: LoadedModel,
  studies: RsnaStudy[],
  opts: { thresholds?: ThresholdRule; onStudy?: (done: number, total: number) => void; check?: () => void } = {},
): Promise<CohortMetrics> {
  const perLabel = Object.fromEntries(STUDY_LABELS.map((l) => [l, { s: [] as number[], t: [] as number[] }]));
  const win = { s: [] as number[], t: [] as number[] };
  const t0 = performance.now();
  for (const [i, st] of studies.entries()) {
    opts.check?.();
    const a = await analyzeFolder(model, st.dir, { cam: false });
    for (const l of STUDY_LABELS) {
      const x = a.result.labels[l]!;
      perLabel[l]!.s.push(x.rawProbability ?? x.probability);
      perLabel[l]!.t.push(st.labels[l]);
    }
    const truth = windowLabelsFromSlices(
      a.result.windows.map((w) => ({ index: w.index, zStart: 0, zEnd: 0, slices: w.slices })),
      st.positiveSlices,
    );
    a.result.windows.forEach((w, k) => {
      win.s.push(w.rawProbability ?? w.probability);
      win.t.push(truth[k]!);
    });
    opts.onStudy?.(i + 1, studies.length);
  }
  const rule = opts.thresholds ? { thresholdRule: opts.thresholds } : {};
  const labels = { [IMAGE_LABEL]: scoreLabel(win.s, win.t, rule) } as Record<Label, LabelMetrics>;
  for (const l of STUDY_LABELS) labels[l] = scoreLabel(perLabel[l]!.s, perLabel[l]!.t, rule);
  return {
    studies: studies.length,
    windows: win.s.length,
    labels,
    msPerStudy: studies.length ? Math.round((performance.now() - t0) / studies.length) : 0,
  };
}
