/**
 * Phase-2 input builder and its inverse, identical to the trainer's Python
 * (`packages/trainer/embolus_trainer/data.py`: `resize_linear`, `build_sequence`,
 * `window_matrix`); `test/sequence-parity.test.ts` checks both against fixtures written by Python.
 *
 * Convention (L = {@link SEQUENCE_LENGTH} = 40, D = the phase-1 feature dimension from the manifest):
 * 1. Features f [W, D] of the study's W windows, in window order.
 *    - W ≤ L: g = f, n = W.
 *    - W > L: g = f linearly resized along the window axis to L rows (PyTorch
 *      `F.interpolate(mode='linear', align_corners=False)`), n = L.
 * 2. x [L, 3D]: for i < n, x[i] = [g[i], g[i] − g[i−1], g[i] − g[i+1]]. The difference to a
 *    missing neighbour (i = 0 backwards, i = n−1 forwards) is 0. Rows n..L−1 are all 0.
 *    The resize happens before the differences.
 * 3. mask [L]: 1 for i < n and 0 after, so it is all ones when W ≥ L.
 *
 * Back to windows ({@link toWindows}): when W ≤ L, window j is position j. When W > L, the L
 * values are resized linearly to W with the same formula. Map window logits first and apply the
 * sigmoid afterwards, because that is the mapping the training loss used.
 */
import { InferenceError } from './errors';

/** The phase-2 sequence length (positions per study). */
export const SEQUENCE_LENGTH = 40;

/** One study's phase-2 input. */
export interface Phase2Sequence {
  /** [seqLen, 3·featureDim], row-major. */
  x: Float32Array;
  /** [seqLen]: 1 on positions that carry (possibly resized) windows, 0 on padding. */
  mask: Float32Array;
  seqLen: number;
  featureDim: number;
  /** The study's window count W. */
  windows: number;
  /** Positions in use: min(W, seqLen). */
  valid: number;
}

const f32 = Math.fround;

/**
 * Resizes `rows` × `cols` row-major values linearly along the row axis to `outRows` rows, the
 * same as `F.interpolate(mode='linear', align_corners=False)`. The arithmetic is pinned to
 * match the Python `resize_linear` bit for bit (barring rare double rounding):
 * scale = float32(rows / outRows) and src = max(0, scale·(i + 0.5) − 0.5) in float64. Then
 * l1 = float32(src − ⌊src⌋), l0 = float32(1 − l1) and out = float32(float32(a·l0) + float32(b·l1)).
 */
export function resizeLinear(src: ArrayLike<number>, rows: number, cols: number, outRows: number): Float32Array {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || !Number.isInteger(outRows) || rows < 1 || cols < 1 || outRows < 1) {
    throw new InferenceError('INPUT_INVALID', `resizeLinear: bad shape ${rows}×${cols} → ${outRows} rows`);
  }
  if (src.length !== rows * cols) throw new InferenceError('INPUT_INVALID', `resizeLinear: ${src.length} values for ${rows}×${cols}`);
  const out = new Float32Array(outRows * cols);
  const scale = f32(rows / outRows);
  for (let i = 0; i < outRows; i++) {
    const s = Math.max(0, scale * (i + 0.5) - 0.5);
    const i0 = Math.floor(s);
    const i1 = Math.min(i0 + 1, rows - 1);
    const l1 = f32(s - i0);
    const l0 = f32(1 - l1);
    const a = i0 * cols;
    const b = i1 * cols;
    const o = i * cols;
    for (let c = 0; c < cols; c++) out[o + c] = f32(f32(src[a + c]! * l0) + f32(src[b + c]! * l1));
  }
  return out;
}

/**
 * Builds the phase-2 input of one study from its phase-1 features.
 * @param features [windows, featureDim] float32, row-major, in window order.
 * @param windows the study's window count W (≥ 1).
 * @param featureDim D, the phase-1 feature size (manifest `featureDim`).
 * @param seqLen L, the phase-2 sequence length (manifest `sequenceLength`, 40).
 */
export function buildSequence(features: ArrayLike<number>, windows: number, featureDim: number, seqLen = SEQUENCE_LENGTH): Phase2Sequence {
  if (!Number.isInteger(windows) || windows < 1)
    throw new InferenceError('INPUT_INVALID', `buildSequence: a study needs at least one window, got ${windows}`);
  if (!Number.isInteger(featureDim) || featureDim < 1 || !Number.isInteger(seqLen) || seqLen < 1) {
    throw new InferenceError('INPUT_INVALID', `buildSequence: bad featureDim ${featureDim} or seqLen ${seqLen}`);
  }
  if (features.length !== windows * featureDim) {
    throw new InferenceError('INPUT_INVALID', `buildSequence: ${features.length} feature values for ${windows} windows × ${featureDim}`);
  }
  const D = featureDim;
  const g = windows > seqLen ? resizeLinear(features, windows, D, seqLen) : Float32Array.from(features);
  const n = Math.min(windows, seqLen);
  const x = new Float32Array(seqLen * 3 * D);
  const mask = new Float32Array(seqLen);
  for (let i = 0; i < n; i++) {
    const row = i * 3 * D;
    const cur = i * D;
    for (let c = 0; c < D; c++) {
      const v = g[cur + c]!;
      x[row + c] = v;
      x[row + D + c] = i > 0 ? f32(v - g[cur - D + c]!) : 0;
      x[row + 2 * D + c] = i < n - 1 ? f32(v - g[cur + D + c]!) : 0;
    }
    mask[i] = 1;
  }
  return { x, mask, seqLen, featureDim: D, windows, valid: n };
}

/**
 * Stacks sequences into one phase-2 batch: x [B, L, 3D] and mask [B, L]. All of them must share
 * L and D.
 */
export function stackSequences(seqs: readonly Phase2Sequence[]): {
  x: Float32Array;
  mask: Float32Array;
  xDims: [number, number, number];
  maskDims: [number, number];
} {
  const first = seqs[0];
  if (!first) throw new InferenceError('INPUT_INVALID', 'stackSequences: no sequences');
  const { seqLen: L, featureDim: D } = first;
  const x = new Float32Array(seqs.length * L * 3 * D);
  const mask = new Float32Array(seqs.length * L);
  seqs.forEach((s, b) => {
    if (s.seqLen !== L || s.featureDim !== D)
      throw new InferenceError('INPUT_INVALID', `stackSequences: sequence ${b} is ${s.seqLen}×${s.featureDim}, expected ${L}×${D}`);
    x.set(s.x, b * L * 3 * D);
    mask.set(s.mask, b * L);
  });
  return { x, mask, xDims: [seqs.length, L, 3 * D], maskDims: [seqs.length, L] };
}

/**
 * Maps one output over the L sequence positions (a study's window logits, or one attention
 * head) back to the study's W windows. When W ≤ L it keeps positions 0..W−1. When W > L it
 * resizes linearly from L to W, which is the inverse of {@link buildSequence}.
 * @param values length L, e.g. `window_logit[b]`; extra trailing values are ignored, fewer is an error.
 */
export function toWindows(values: ArrayLike<number>, windows: number, seqLen = SEQUENCE_LENGTH): Float32Array {
  if (!Number.isInteger(windows) || windows < 1) throw new InferenceError('INPUT_INVALID', `toWindows: bad window count ${windows}`);
  if (values.length < seqLen) throw new InferenceError('INPUT_INVALID', `toWindows: ${values.length} values, expected ${seqLen}`);
  const head = Float32Array.from({ length: seqLen }, (_, i) => values[i]!);
  return windows <= seqLen ? head.slice(0, windows) : resizeLinear(head, seqLen, 1, windows);
}

/**
 * {@link toWindows} for `rows` outputs stored row-major as [rows, L], e.g. the 9 attention
 * vectors [9, 40] of one study. Returns [rows, W]. Attention is resampled as it is, not
 * renormalised. When W > L, each row sums to about W/L.
 */
export function rowsToWindows(values: ArrayLike<number>, rows: number, windows: number, seqLen = SEQUENCE_LENGTH): Float32Array {
  if (values.length !== rows * seqLen)
    throw new InferenceError('INPUT_INVALID', `rowsToWindows: ${values.length} values for ${rows}×${seqLen}`);
  const out = new Float32Array(rows * windows);
  for (let r = 0; r < rows; r++) {
    const row = Float32Array.from({ length: seqLen }, (_, i) => values[r * seqLen + i]!);
    out.set(toWindows(row, windows, seqLen), r * windows);
  }
  return out;
}
