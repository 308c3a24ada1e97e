/**
 * Node entry points: preprocess a folder of DICOM files (the `embolus preprocess` command, and
 * what inference calls).
 */
import { loadStudyVolume } from '@embolus/dicom/node';
import { buildMeta, type PreprocessMeta } from '../meta';
import { preprocessConsuming, type PreprocessOptions, type PreprocessResult } from '../pipeline';

/** Loads the series to analyse from `dir`, preprocesses it and returns the result with its meta. */
export async function preprocessFolder(dir: string, options: Partial<PreprocessOptions> = {}): Promise<{ result: PreprocessResult; meta: PreprocessMeta }> {
  const t0 = performance.now();
  const { choice, volume } = await loadStudyVolume(dir);
  const loadMs = Math.round(performance.now() - t0);
  // The volume was decoded here for this call alone: the pipeline may fill its padding in place.
  const result = preprocessConsuming(volume, options);
  const meta = buildMeta(result, { seriesInstanceUid: choice.chosen.seriesInstanceUid, reason: choice.reason, slices: choice.chosen.slices.length }, { loadSeries: loadMs });
  return { result, meta };
}
