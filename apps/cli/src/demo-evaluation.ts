/**
 * Evaluating a model the way it is served: each held-out phantom study goes through the
 * TypeScript preprocessing and ONNX Runtime, then study-level and window-level AUROCs with
 * DeLong 95% CIs: the same cohort scoring as the runner's validation and evaluation jobs.
 */
import { scoreCohort, type CohortMetrics, type LoadedModel } from '@embolus/inference';
import type { LabelScore } from '@embolus/metrics';
import type { DatasetSummary } from '@embolus/phantom';
import { readRsnaLayout } from '@embolus/preprocess/node';
import type { Label } from '@embolus/shared';

/** One label's AUROC on the held-out phantoms. */
export type LabelAuroc = LabelScore;

/** The demo model's held-out evaluation (models/demo/EVALUATION.md): the cohort metrics, by label as `aurocs`. */
export type DemoEvaluation = Omit<CohortMetrics, 'labels'> & { aurocs: Record<Label, LabelAuroc> };

/** Runs `model` on every study of a phantom data set written by writeDataset. */
export async function evaluateOnPhantoms(
  model: LoadedModel,
  dataset: DatasetSummary,
  onProgress?: (done: number, total: number) => void,
): Promise<DemoEvaluation> {
  const byUid = new Map((await readRsnaLayout(dataset.out)).map((s) => [s.studyInstanceUid, s]));
  // In the generator's order; its labels are the ones it drew (the layout CSV repeats them).
  const studies = dataset.studies.map((st) => {
    const s = byUid.get(st.studyInstanceUid);
    if (!s) throw new Error(`phantom study ${st.studyInstanceUid} is missing from the RSNA layout in ${dataset.out}`);
    return { ...s, labels: st.labels };
  });
  const m = await scoreCohort(model, studies, { ...(onProgress ? { onStudy: onProgress } : {}) });
  return { studies: m.studies, windows: m.windows, aurocs: m.labels, msPerStudy: m.msPerStudy };
}
