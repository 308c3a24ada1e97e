/**
 * The exported ONNX graphs in onnxruntime-node against PyTorch, on tiny-width exports written by
 * `python3 -m embolus_trainer.fixtures`. Every output must be within 1e-4 (max abs diff).
 * Phase 1 takes a [2,3,10,192,192] input that both sides generate from a formula. Phase 2 runs
 * on sequences built by the TypeScript builder from the same features Python used, so the test
 * also covers the builder feeding the real graph.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSequence, stackSequences } from '../src/sequence';
import { FIXTURES, maxAbsDiff, readNpy } from './fixtures/npy';

const TOL = 1e-4;
const meta = JSON.parse(readFileSync(path.join(FIXTURES, 'fixtures.json'), 'utf8')) as {
  featureDim: number;
  sequenceLength: number;
  windowSlices: number;
  inputSize: number;
  phase1Batch: number;
  cases: number[];
  phase1Variants: string[];
};
const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 2 };

/** flat[i] = ((i · 0x9E3779B1) mod 2^32 >> 24) / 255, the same as fixtures.phase1_input in Python. */
function phase1Input(n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (Math.imul(i, 0x9e3779b1) >>> 24) / 255;
  return out;
}

// phase1: plain; phase1_pool2: the demo config's 2x2 input pool inside the graph.
describe.each(meta.phase1Variants)('phase 1 ONNX vs PyTorch (%s)', (variant) => {
  let session: ort.InferenceSession;
  let out: ort.InferenceSession.OnnxValueMapType;
  const { phase1Batch: N, windowSlices: D, inputSize: S } = meta;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(path.join(FIXTURES, `${variant}.onnx`), options);
    const x = phase1Input(N * 3 * D * S * S);
    out = await session.run({ input: new ort.Tensor('float32', x, [N, 3, D, S, S]) });
  }, 60_000);
  afterAll(async () => session?.release());

  it('has the serving signature', () => {
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['feature', 'logit', 'cam']);
  });

  it('generates the same input as Python', () => {
    const head = readNpy('phase1_input_head.npy');
    expect(maxAbsDiff(phase1Input(head.data.length), head.data)).toBe(0);
  });

  for (const name of ['feature', 'logit', 'cam'] as const) {
    it(`${name} within ${TOL}`, () => {
      const want = readNpy(`${variant}_${name}.npy`);
      const got = out[name]!;
      expect(got.dims.map(Number)).toEqual(want.shape);
      expect(maxAbsDiff(got.data as Float32Array, want.data)).toBeLessThanOrEqual(TOL);
    });
  }

  it('cam is non-negative', () => {
    expect(Math.min(...(out.cam!.data as Float32Array))).toBeGreaterThanOrEqual(0);
  });
});

describe('phase 2 ONNX vs PyTorch', () => {
  let session: ort.InferenceSession;
  let out: ort.InferenceSession.OnnxValueMapType;
  const Dm = meta.featureDim;
  const L = meta.sequenceLength;

  beforeAll(async () => {
    session = await ort.InferenceSession.create(path.join(FIXTURES, 'phase2.onnx'), options);
    const seqs = meta.cases.map((W) => buildSequence(readNpy(`seq_features_W${W}.npy`).data, W, Dm, L));
    const batch = stackSequences(seqs);
    out = await session.run({
      x: new ort.Tensor('float32', batch.x, batch.xDims),
      mask: new ort.Tensor('float32', batch.mask, batch.maskDims),
    });
  }, 60_000);
  afterAll(async () => session?.release());

  it('has the serving signature', () => {
    expect(session.inputNames).toEqual(['x', 'mask']);
    expect(session.outputNames).toEqual(['window_logit', 'study_logit', 'attention']);
  });

  for (const name of ['window_logit', 'study_logit', 'attention'] as const) {
    it(`${name} within ${TOL} (batch of ${meta.cases.length}: W = ${meta.cases.join(', ')})`, () => {
      const want = readNpy(`phase2_${name}.npy`);
      const got = out[name]!;
      expect(got.dims.map(Number)).toEqual(want.shape);
      expect(maxAbsDiff(got.data as Float32Array, want.data)).toBeLessThanOrEqual(TOL);
    });
  }

  it('attention is a distribution over the unmasked positions', () => {
    const att = out.attention!.data as Float32Array;
    meta.cases.forEach((W, b) => {
      for (let k = 0; k < 9; k++) {
        const row = att.subarray((b * 9 + k) * L, (b * 9 + k + 1) * L);
        expect(row.reduce((a, v) => a + v, 0)).toBeCloseTo(1, 5);
        expect(Math.max(0, ...row.subarray(Math.min(W, L)))).toBeLessThan(1e-6);
      }
    });
  });

  it('accepts a batch of one and a sequence length other than 40 (dynamic axes)', async () => {
    const s = buildSequence(readNpy('seq_features_W7.npy').data, 7, Dm, 12);
    const r = await session.run({ x: new ort.Tensor('float32', s.x, [1, 12, 3 * Dm]), mask: new ort.Tensor('float32', s.mask, [1, 12]) });
    expect(r.window_logit!.dims.map(Number)).toEqual([1, 12]);
    expect(r.attention!.dims.map(Number)).toEqual([1, 9, 12]);
  });
});
