/**
 * Phase 2: the TCN and attention heads over a study's window features.
 */
import * as ort from 'onnxruntime-node';
import { STUDY_LABELS, type StudyLabel } from '@embolus/shared';
import { InferenceError } from './errors';
import { buildSequence, rowsToWindows, toWindows } from './sequence';

export interface Phase2Output {
  /** Per window of the study (mapped back from the sequence positions), logits. */
  windowLogits: Float32Array;
  /** The nine study logits, in STUDY_LABELS order. */
  studyLogits: Record<StudyLabel, number>;
  /** Attention of each head over the study's windows (renormalised to sum to 1). */
  attention: Record<StudyLabel, number[]>;
}

/** Runs phase 2 for one study from its phase-1 features ([W, D]). */
export async function runPhase2(
  session: ort.InferenceSession,
  features: Float32Array,
  windows: number,
  featureDim: number,
  seqLen: number,
): Promise<Phase2Output> {
  const seq = buildSequence(features, windows, featureDim, seqLen);
  const [xName, maskName] = session.inputNames;
  const [winName, studyName, attnName] = session.outputNames;
  if (!xName || !maskName || !winName || !studyName || !attnName)
    throw new InferenceError('RUN_FAILED', 'phase 2 model must have inputs (x, mask) and outputs (window_logit, study_logit, attention)');
  let out: ort.InferenceSession.OnnxValueMapType;
  try {
    out = await session.run({
      [xName]: new ort.Tensor('float32', seq.x, [1, seqLen, 3 * featureDim]),
      [maskName]: new ort.Tensor('float32', seq.mask, [1, seqLen]),
    });
  } catch (e) {
    throw new InferenceError('RUN_FAILED', `phase 2 failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const win = out[winName]!.data as Float32Array;
  const study = out[studyName]!.data as Float32Array;
  const attn = out[attnName]!.data as Float32Array;
  const windowLogits = toWindows(win, windows, seqLen);
  const attentionRows = rowsToWindows(attn, STUDY_LABELS.length, windows, seqLen);
  const studyLogits = {} as Record<StudyLabel, number>;
  const attention = {} as Record<StudyLabel, number[]>;
  STUDY_LABELS.forEach((label, k) => {
    studyLogits[label] = study[k]!;
    // When W > 40 the attention is resized back to W windows; renormalise so it still sums to 1.
    const row = Array.from(attentionRows.subarray(k * windows, (k + 1) * windows));
    const sum = row.reduce((a, b) => a + b, 0);
    attention[label] = sum > 0 ? row.map((a) => a / sum) : row;
  });
  return { windowLogits, studyLogits, attention };
}
