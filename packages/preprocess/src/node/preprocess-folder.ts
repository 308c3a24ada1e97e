/**
 * Node entry points: preprocess a folder of DICOM files (the `embolus preprocess` command, and
 * what inference calls).
 */
import { loadStudyVolume } from '@embolus/dicom/node';
import type { SeriesChoice, SeriesPlan, Volume } from '@embolus/dicom';
import { buildMeta, type PreprocessMeta, type SeriesAcquisition } from '../meta';
import { preprocess, preprocessConsuming, type PreprocessOptions, type PreprocessResult } from '../pipeline';

/** A study's chosen series, loaded (what `loadStudyVolume` returns), and how long loading took. */
export interface LoadedStudy {
  choice: SeriesChoice;
  volume: Volume;
  /** Milliseconds spent finding and decoding the series (reported as `loadSeries`). */
  loadMs: number;
}

/**
 * Preprocesses a loaded study and builds its meta (acquisition facts, timings). With `consume`,
 * the volume belongs to this call and the pipeline may fill its padding in place; without, it is
 * left intact for another run (the runner's shadow models).
 */
export function preprocessLoaded(
  study: LoadedStudy,
  options: Partial<PreprocessOptions> = {},
  consume = false,
): { result: PreprocessResult; meta: PreprocessMeta } {
  const result = consume ? preprocessConsuming(study.volume, options) : preprocess(study.volume, options);
  const meta = buildMeta(result, seriesAcquisition(study.choice.chosen, study.choice.reason), { loadSeries: study.loadMs });
  return { result, meta };
}

/** Loads the series to analyse from `dir`, preprocesses it and returns the result with its meta. */
export async function preprocessFolder(
  dir: string,
  options: Partial<PreprocessOptions> = {},
): Promise<{ result: PreprocessResult; meta: PreprocessMeta }> {
  const t0 = performance.now();
  const { choice, volume } = await loadStudyVolume(dir);
  // The volume was decoded here for this call alone: the pipeline may fill its padding in place.
  return preprocessLoaded({ choice, volume, loadMs: Math.round(performance.now() - t0) }, options, true);
}

/** The acquisition facts of a planned series that the quality gates check. */
export function seriesAcquisition(plan: SeriesPlan, reason: string): SeriesAcquisition {
  const normal = plan.direction?.normal;
  return {
    seriesInstanceUid: plan.seriesInstanceUid,
    reason,
    slices: plan.slices.length,
    ...(plan.sliceThickness !== undefined ? { sliceThicknessMm: plan.sliceThickness } : {}),
    ...(plan.sliceSpacing !== undefined ? { sliceSpacingMm: plan.sliceSpacing } : {}),
    imageType: plan.imageType,
    ...(normal ? { obliquityDeg: (Math.acos(Math.min(1, Math.abs(normal[2]))) * 180) / Math.PI } : {}),
  };
}
