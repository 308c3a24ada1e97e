/**
 * Evaluating a model the way it is served: each held-out phantom study goes through the
 * TypeScript preprocessing and ONNX Runtime, then study-level and window-level AUROCs with
 * DeLong 95% CIs are computed with @embolus/metrics.
 */
import path from 'node:path';
import { analyzeFolder, type LoadedModel } from '@embolus/inference';
import { aurocCi } from '@embolus/metrics';
import { windowLabelsFromSlices } from '@embolus/preprocess';
import { readRsnaLayout } from '@embolus/preprocess/node';
import type { DatasetSummary } from '@embolus/phantom';
import { IMAGE_LABEL, STUDY_LABELS, type Label } from '@embolus/shared';

export interface LabelAuroc {
  n: number;
  positives: number;
  auroc: number | null;
  ci: [number, number] | null;
}

export interface DemoEvaluation {
  studies: number;
  windows: number;
  aurocs: Record<Label, LabelAuroc>;
  msPerStudy: number;
}

function summarize(scores: number[], truth: number[]): LabelAuroc {
  const positives = truth.reduce((a, b) => a + b, 0);
  if (positives < 2 || truth.length - positives < 2) return { n: truth.length, positives, auroc: null, ci: null };
  const r = aurocCi(scores, truth);
  return { n: truth.length, positives, auroc: r.auroc, ci: [r.ci[0], r.ci[1]] };
}

/** Runs `model` on every study of a phantom data set written by writeDataset. */
export async function evaluateOnPhantoms(model: LoadedModel, dataset: DatasetSummary, onProgress?: (done: number, total: number) => void): Promise<DemoEvaluation> {
  const study: Record<string, { s: number[]; t: number[] }> = Object.fromEntries(STUDY_LABELS.map((l) => [l, { s: [], t: [] }]));
  const win = { s: [] as number[], t: [] as number[] };
  const t0 = performance.now();
  const positives = new Map((await readRsnaLayout(dataset.out)).map((s) => [s.studyInstanceUid, s.positiveSlices]));
  for (const [i, st] of dataset.studies.entries()) {
    const dir = path.join(dataset.out, st.studyInstanceUid);
    const a = await analyzeFolder(model, dir, { cam: false });
    for (const l of STUDY_LABELS) {
      study[l]!.s.push(a.result.labels[l]!.rawProbability ?? a.result.labels[l]!.probability);
      study[l]!.t.push(st.labels[l]);
    }
    const labels = windowLabelsFromSlices(
      a.result.windows.map((w) => ({ index: w.index, zStart: 0, zEnd: 0, slices: w.slices })),
      positives.get(st.studyInstanceUid) ?? new Set(),
    );
    a.result.windows.forEach((w, k) => {
      win.s.push(w.rawProbability ?? w.probability);
      win.t.push(labels[k]!);
    });
    onProgress?.(i + 1, dataset.studies.length);
  }
  const aurocs = { [IMAGE_LABEL]: summarize(win.s, win.t) } as Record<Label, LabelAuroc>;
  for (const l of STUDY_LABELS) aurocs[l] = summarize(study[l]!.s, study[l]!.t);
  return { studies: dataset.studies.length, windows: win.s.length, aurocs, msPerStudy: (performance.now() - t0) / dataset.studies.length };
}
