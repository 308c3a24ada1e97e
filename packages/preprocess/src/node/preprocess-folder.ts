/**
 * Node entry points: preprocess a folder of DICOM files (the `embolus preprocess` command, and
 * what inference calls).
 */
import { loadStudyVolume } from '@embolus/dicom/node';
import type { SeriesPlan } from '@embolus/dicom';
import { buildMeta, type PreprocessMeta, type SeriesAcquisition } from '../meta';
import { preprocessConsuming, type PreprocessOptions, type PreprocessResult } from '../pipeline';

/** Loads the series to analyse from `dir`, preprocesses it and returns the result with its meta. */
export async function preprocessFolder(dir: string, options: Partial<PreprocessOptions> = {}): Promise<{ result: PreprocessResult; meta: PreprocessMeta }> {
  const t0 = performance.now();
  const { choice, volume } = await loadStudyVolume(dir);
  const loadMs = Math.round(performance.now() - t0);
  // The volume was decoded here for this call alone: the pipeline may fill its padding in place.
  const result = preprocessConsuming(volume, options);
  const meta = buildMeta(result, seriesAcquisition(choice.chosen, choice.reason), { loadSeries: loadMs });
  return { result, meta };
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
