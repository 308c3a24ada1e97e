/**
 * Where the demo model ships: `models/demo` at the repository root (ONNX files, manifest,
 * EVALUATION.md). The default model of `embolus analyze` and of `embolus-runner`, and where
 * `embolus train demo` writes, so both programs find it through this one constant.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The bundled demo model's folder. */
export const DEMO_MODEL_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../models/demo');
