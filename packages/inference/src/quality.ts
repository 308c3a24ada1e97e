/**
 * The study-quality gates of one analysis: the acquisition facts of the chosen series and the
 * image measurements of preprocessing, held to what the model's manifest says it supports.
 */
import type { PreprocessMeta } from '@embolus/preprocess';
import {
  DEFAULT_ACQUISITION,
  qualityChecks,
  summarizeQuality,
  type AcquisitionRange,
  type Quality,
  type QualityMeasurements,
  type SeriesFacts,
} from '@embolus/shared';

/** Builds the quality section from a preprocessing record and the manifest's acquisition range. */
export function studyQuality(meta: PreprocessMeta, acquisition: AcquisitionRange = DEFAULT_ACQUISITION): Quality {
  const s = meta.series;
  const facts: SeriesFacts = {
    slices: s?.slices ?? meta.steps[0]?.shapeIn[0] ?? 0,
    imageType: s?.imageType ?? [],
    ...(s?.sliceThicknessMm !== undefined ? { sliceThicknessMm: s.sliceThicknessMm } : {}),
    ...(s?.sliceSpacingMm !== undefined ? { sliceSpacingMm: s.sliceSpacingMm } : {}),
    ...(s?.obliquityDeg !== undefined ? { obliquityDeg: s.obliquityDeg } : {}),
  };
  const pa = meta.quality?.pulmonaryArtery;
  const measurements: QualityMeasurements = {
    ...(pa?.hu !== undefined ? { pulmonaryArteryHu: pa.hu } : {}),
    ...(pa?.note ? { pulmonaryArteryNote: pa.note } : {}),
    ...(meta.quality?.lungCut ? { lungCut: meta.quality.lungCut } : {}),
  };
  return summarizeQuality(qualityChecks(facts, measurements, acquisition));
}
