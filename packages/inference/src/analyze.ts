/**
 * Analysing a study end to end: series → preprocessing → phase 1 → phase 2 → decisions (the
 * manifest's thresholds through `decide`, which obeys the RSNA rules) and consistency repair of
 * the probabilities, as the typed result that the CLI prints, the runner uploads and the API serves.
 */
import { loadStudyVolume } from '@embolus/dicom/node';
import { preprocessLoaded, type LoadedStudy } from '@embolus/preprocess/node';
import { PAPER_CHANNELS, sliceProbabilities, type PreprocessMeta, type PreprocessResult } from '@embolus/preprocess';
import {
  AnalysisResultSchema,
  DEFAULT_THRESHOLDS,
  IMAGE_LABEL,
  STUDY_LABELS,
  check,
  decide,
  repair,
  type AnalysisResult,
  type StudyLabel,
} from '@embolus/shared';
import { studyQuality } from './quality';
import { camGeometry, camToVolume, type CamVolume } from './cam';
import type { LoadedModel } from './model';
import { runPhase1 } from './phase1';
import { runPhase2 } from './phase2';

export interface AnalyzeOptions {
  /** Windows per phase-1 run. */
  batch?: number;
  /** Skip building the CAM volume (saves memory when no one will look at it). */
  cam?: boolean;
}

/** The typed result plus what does not fit in JSON. */
export interface Analysis {
  result: AnalysisResult;
  cam?: CamVolume;
  preprocess: PreprocessMeta;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Runs the model on an already preprocessed study. */
export async function analyzePreprocessed(
  model: LoadedModel,
  pre: PreprocessResult,
  meta: PreprocessMeta,
  options: AnalyzeOptions = {},
  timings: Record<string, number> = {},
): Promise<Analysis> {
  const m = model.manifest;
  const t = pre.tensors.find((x) => x.shape[3] === m.inputSize) ?? pre.tensors[0]!;
  const W = t.shape[0];
  let t0 = performance.now();
  const p1 = await runPhase1(model.phase1, t.data, t.shape, options.batch ?? 4);
  timings.phase1 = Math.round(performance.now() - t0);
  t0 = performance.now();
  const p2 = await runPhase2(model.phase2, p1.features, W, p1.featureDim, m.sequenceLength);
  timings.phase2 = Math.round(performance.now() - t0);
  t0 = performance.now();
  const windowProbs = Array.from(p2.windowLogits, (l) => sigmoid(l));
  const raw = Object.fromEntries(STUDY_LABELS.map((l) => [l, sigmoid(p2.studyLogits[l])])) as Record<StudyLabel, number>;
  const prediction = { study: raw, images: windowProbs };
  const violations = check(prediction);
  const repaired = violations.length ? repair(prediction) : undefined;
  const final = repaired?.prediction ?? prediction;
  const thresholds = { ...DEFAULT_THRESHOLDS, ...m.thresholds };
  const tq = performance.now();
  const quality = studyQuality(meta, m.acquisition);
  timings.qualityGates = Math.round((performance.now() - tq + (meta.timingsMs.qualityMeasures ?? 0)) * 10) / 10;
  // Decisions are made on the raw probabilities (the thresholds were chosen on them); repair's
  // values sit at 0.5, above most thresholds, and would decide nothing. A non-diagnostic study
  // reports no decision: every label and window decision is withheld (false) and the exam says so.
  const decided = decide({ study: raw, windows: windowProbs, thresholds });
  const diagnostic = quality.diagnostic;
  const labels = Object.fromEntries(
    STUDY_LABELS.map((l) => [
      l,
      {
        probability: round(final.study[l]),
        rawProbability: round(raw[l]),
        threshold: thresholds[l],
        decision: diagnostic && decided.labels[l],
      },
    ]),
  ) as AnalysisResult['labels'];
  const slices = sliceProbabilities(t.windows, final.images);
  const cam = options.cam === false ? undefined : camToVolume(p1.cam, p1.camShape, W, t.shape[2], t.shape[3]);
  timings.postprocess = Math.round(performance.now() - t0);
  const result: AnalysisResult = {
    schemaVersion: 1,
    ...(meta.series ? { seriesInstanceUid: meta.series.seriesInstanceUid } : {}),
    quality,
    labels,
    windows: t.windows.map((w, i) => ({
      index: w.index,
      probability: round(final.images[i] ?? 0),
      rawProbability: round(windowProbs[i] ?? 0),
      decision: diagnostic && (decided.windows[i] ?? false),
      slices: w.slices,
    })),
    slices: [...slices].map(([sopInstanceUid, p]) => ({ sopInstanceUid, probability: round(p) })),
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, p2.attention[l].map(round)])) as AnalysisResult['attention'],
    exam: diagnostic
      ? { decision: decided.exam, reason: decided.examReason, windowThreshold: thresholds[IMAGE_LABEL], overrides: decided.overrides }
      : { decision: 'withheld', reason: quality.reason ?? 'Non-diagnostic', windowThreshold: thresholds[IMAGE_LABEL], overrides: [] },
    consistency: {
      violations: violations.map((v) => ({ rule: v.rule, message: v.message, labels: v.labels })),
      repaired: repaired !== undefined,
      changed: repaired?.changed ?? [],
    },
    model: { version: m.version, sha256: model.sha256, trainedOn: m.trainedOn, notForClinicalUse: true },
    timings,
    warnings: meta.warnings,
    // The model-input grid, which is also the CAM's: present whether or not the CAM was built here
    // (the CLI skips it), so that every path writes the same result.
    camGeometry: camGeometry(pre.volume, [W * t.shape[2], t.shape[3], t.shape[3]]),
  };
  return { result: AnalysisResultSchema.parse(result), ...(cam ? { cam } : {}), preprocess: meta };
}

/** Options of {@link analyzeLoaded}. */
export interface AnalyzeLoadedOptions extends AnalyzeOptions {
  /** The volume is this call's alone (preprocessing may fill its padding in place). */
  consume?: boolean;
  /** Called between preprocessing and inference (the runner checks its lease and reports progress). */
  beforeInference?: () => void;
}

/**
 * Preprocesses a loaded study for `model` (its input size, window length, the paper's channels)
 * and runs it: the one load → preprocess → meta → model sequence, shared by `analyzeFolder` and
 * the runner (which loads once for the active and shadow models).
 */
export async function analyzeLoaded(model: LoadedModel, study: LoadedStudy, options: AnalyzeLoadedOptions = {}): Promise<Analysis> {
  const { consume, beforeInference, ...analyze } = options;
  const t0 = performance.now();
  const { result, meta } = preprocessLoaded(
    study,
    { windows: [{ size: model.manifest.inputSize, windowSlices: model.manifest.windowSlices, channels: PAPER_CHANNELS }] },
    consume,
  );
  const timings: Record<string, number> = { ...meta.timingsMs, preprocessTotal: study.loadMs + Math.round(performance.now() - t0) };
  beforeInference?.();
  return analyzePreprocessed(model, result, meta, analyze, timings);
}

/** Finds the series in `dir`, preprocesses it and runs the model. */
export async function analyzeFolder(model: LoadedModel, dir: string, options: AnalyzeOptions = {}): Promise<Analysis> {
  const t0 = performance.now();
  const { choice, volume } = await loadStudyVolume(dir);
  return analyzeLoaded(model, { choice, volume, loadMs: Math.round(performance.now() - t0) }, { ...options, consume: true });
}
