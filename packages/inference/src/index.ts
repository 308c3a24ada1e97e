export { InferenceError, type InferenceErrorCode } from './errors';
export { ModelManifestSchema, type ModelManifest } from './manifest';
export { loadModel, cudaProviderInstalled, type LoadedModel, type LoadOptions, type ExecutionProvider } from './model';
export { runPhase1, type Phase1Output } from './phase1';
export { runPhase2, type Phase2Output } from './phase2';
export { buildSequence, stackSequences, toWindows, rowsToWindows, resizeLinear, SEQUENCE_LENGTH, type Phase2Sequence } from './sequence';
export { camToVolume, camGeometry, type CamVolume, type CamSourceVolume } from './cam';
export {
  analyzeFolder,
  analyzeLoaded,
  analyzePreprocessed,
  type Analysis,
  type AnalyzeLoadedOptions,
  type AnalyzeOptions,
} from './analyze';
export { studyQuality } from './quality';
export { scoreCohort, type CohortMetrics, type LabelMetrics } from './cohort';
export { DEMO_MODEL_DIR } from './demo-model';
