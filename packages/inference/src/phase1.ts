/**
 * Phase 1: the 3-D ResNet-18 over each window, in batches. Outputs per window the penultimate
 * feature vector, the PE logit, and the Grad-CAM map computed inside the graph.
 */
import * as ort from 'onnxruntime-node';
import { InferenceError } from './errors';

export interface Phase1Output {
  /** [W, D] */
  features: Float32Array;
  featureDim: number;
  /** [W] */
  logits: Float32Array;
  /** [W, d, h, w] at the last convolutional stage, ≥ 0. */
  cam: Float32Array;
  camShape: [number, number, number];
}

/**
 * Runs `data` ([W, 3, D, S, S]) through phase 1, `batch` windows at a time. torch 1.13's Conv3d is
 * pathologically slow at batch 1 on CPU, ORT is not; batch size is a throughput knob only.
 */
export async function runPhase1(
  session: ort.InferenceSession,
  data: Float32Array,
  shape: readonly [number, number, number, number, number],
  batch = 4,
): Promise<Phase1Output> {
  const [W, C, D, H, Wd] = shape;
  const per = C * D * H * Wd;
  if (data.length !== W * per)
    throw new InferenceError('INPUT_INVALID', `phase 1 input holds ${data.length} values, shape [${shape.join(', ')}] needs ${W * per}`);
  const [inputName] = session.inputNames;
  const [featName, logitName, camName] = session.outputNames;
  if (!inputName || !featName || !logitName || !camName)
    throw new InferenceError('RUN_FAILED', 'phase 1 model must have 1 input and 3 outputs (feature, logit, cam)');
  let features: Float32Array | undefined;
  let cam: Float32Array | undefined;
  let featureDim = 0;
  let camShape: [number, number, number] = [0, 0, 0];
  const logits = new Float32Array(W);
  for (let start = 0; start < W; start += batch) {
    const n = Math.min(batch, W - start);
    const input = new ort.Tensor('float32', data.subarray(start * per, (start + n) * per), [n, C, D, H, Wd]);
    let out: ort.InferenceSession.OnnxValueMapType;
    try {
      out = await session.run({ [inputName]: input });
    } catch (e) {
      throw new InferenceError(
        'RUN_FAILED',
        `phase 1 failed on windows ${start}..${start + n - 1}: ${e instanceof Error ? e.message : String(e)}`,
        { cause: e },
      );
    }
    const f = out[featName]!;
    const l = out[logitName]!;
    const c = out[camName]!;
    if (!features) {
      featureDim = Number(f.dims[1]);
      camShape = [Number(c.dims[1]), Number(c.dims[2]), Number(c.dims[3])];
      features = new Float32Array(W * featureDim);
      cam = new Float32Array(W * camShape[0] * camShape[1] * camShape[2]);
    }
    features.set(f.data as Float32Array, start * featureDim);
    logits.set(l.data as Float32Array, start);
    cam!.set(c.data as Float32Array, start * camShape[0] * camShape[1] * camShape[2]);
  }
  return { features: features ?? new Float32Array(0), featureDim, logits, cam: cam ?? new Float32Array(0), camShape };
}
