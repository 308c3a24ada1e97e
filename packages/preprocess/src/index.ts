export { PreprocessError, type PreprocessErrorCode } from './errors';
export { compose, type Step } from './compose';
export type { PipelineVolume, StepRecord, Box, SliceWeight } from './volume';
export { fromDicomVolume, orderBottomToTop, fillPadding } from './from-dicom';
export { resampleIsotropic } from './resample';
export { lungMask, cropToLungBox, boxToPatient, DEFAULT_LUNG_MASK, type LungMaskConfig } from './lung-mask';
export {
  makeWindows,
  windowValue,
  windowLabelsFromSlices,
  sliceProbabilities,
  PAPER_CHANNELS,
  SERVE_WINDOWS,
  TRAIN_WINDOWS,
  type WindowConfig,
  type WindowTensor,
  type WindowSource,
} from './windows';
export {
  preprocess,
  volumeSteps,
  DEFAULT_PREPROCESS,
  type PreprocessOptions,
  type PreprocessResult,
  type QualityMeasures,
} from './pipeline';
export {
  measurePulmonaryArtery,
  measureLungCut,
  lungAreas,
  DEFAULT_ARTERY_MEASURE,
  type ArteryMeasureConfig,
  type ArteryMeasurement,
  type LungCut,
} from './quality';
export { buildMeta, type PreprocessMeta } from './meta';
