/**
 * The files of a model version, as a runner downloads them, a training job uploads them and
 * `embolus train` writes them: the manifest and the two ONNX phases.
 */
export const MODEL_FILES = ['manifest.json', 'phase1.onnx', 'phase2.onnx'] as const;

/** One of {@link MODEL_FILES}. */
export type ModelFile = (typeof MODEL_FILES)[number];
