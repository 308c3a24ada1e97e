/**
 * The TypeScript phase-2 input builder and its inverse against the Python trainer's outputs on
 * the same features (fixtures from `python3 -m embolus_trainer.fixtures`): W < 40, W = 40,
 * W > 40 and W = 1.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SEQUENCE_LENGTH, buildSequence, resizeLinear, rowsToWindows, stackSequences, toWindows } from '../src/sequence';
import { FIXTURES, maxAbsDiff, readNpy } from './fixtures/npy';

const meta = JSON.parse(readFileSync(path.join(FIXTURES, 'fixtures.json'), 'utf8')) as { featureDim: number; cases: number[] };
const D = meta.featureDim;

describe('buildSequence matches the Python builder', () => {
  it('covers W = 1, W < 40, W = 40 and W > 40', () => {
    expect(meta.cases).toEqual(expect.arrayContaining([1, 40]));
    expect(meta.cases.some((w) => w > 1 && w < 40)).toBe(true);
    expect(meta.cases.some((w) => w > 40)).toBe(true);
  });

  for (const W of meta.cases) {
    it(`W = ${W}`, () => {
      const f = readNpy(`seq_features_W${W}.npy`);
      expect(f.shape).toEqual([W, D]);
      const seq = buildSequence(f.data, W, D);
      const x = readNpy(`seq_x_W${W}.npy`);
      const mask = readNpy(`seq_mask_W${W}.npy`);
      expect(x.shape).toEqual([SEQUENCE_LENGTH, 3 * D]);
      expect(seq.valid).toBe(Math.min(W, SEQUENCE_LENGTH));
      expect(Array.from(seq.mask)).toEqual(Array.from(mask.data));
      expect(maxAbsDiff(seq.x, x.data)).toBeLessThanOrEqual(1e-6);
    });

    it(`W = ${W}: 40 positions back to the W windows`, () => {
      const v = readNpy('seq_values40.npy');
      const want = readNpy(`seq_towindows_W${W}.npy`);
      const got = toWindows(v.data, W);
      expect(got.length).toBe(W);
      expect(maxAbsDiff(got, want.data)).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('conventions', () => {
  it('zero differences at the sequence ends, zero padding after the last window', () => {
    const f = Float32Array.from([1, 2, 4, 8, 16, 32]); // W = 3, D = 2
    const s = buildSequence(f, 3, 2);
    const row = (i: number) => Array.from(s.x.subarray(i * 6, i * 6 + 6));
    expect(row(0)).toEqual([1, 2, 0, 0, 1 - 4, 2 - 8]);
    expect(row(1)).toEqual([4, 8, 3, 6, 4 - 16, 8 - 32]);
    expect(row(2)).toEqual([16, 32, 12, 24, 0, 0]);
    expect(row(3)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(Array.from(s.mask.subarray(0, 4))).toEqual([1, 1, 1, 0]);
  });

  it('W = 1 has no differences at all', () => {
    const s = buildSequence(Float32Array.from([5, -3]), 1, 2);
    expect(Array.from(s.x.subarray(0, 6))).toEqual([5, -3, 0, 0, 0, 0]);
    expect(s.mask.reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('W > 40 is resized (mask all ones); a constant sequence stays constant', () => {
    const s = buildSequence(new Float32Array(97 * 2).fill(0.5), 97, 2);
    expect(Array.from(s.mask).every((m) => m === 1)).toBe(true);
    for (let i = 0; i < SEQUENCE_LENGTH; i++) expect(Array.from(s.x.subarray(i * 6, i * 6 + 6))).toEqual([0.5, 0.5, 0, 0, 0, 0]);
  });

  it('resizeLinear to the same length is the identity; toWindows is the identity at W = 40', () => {
    const v = Float32Array.from({ length: 40 }, (_, i) => Math.sin(i));
    expect(Array.from(resizeLinear(v, 40, 1, 40))).toEqual(Array.from(v));
    expect(Array.from(toWindows(v, 40))).toEqual(Array.from(v));
    expect(Array.from(toWindows(v, 7))).toEqual(Array.from(v.subarray(0, 7)));
  });

  it('rowsToWindows maps each of the 9 attention rows like toWindows', () => {
    const att = Float32Array.from({ length: 9 * 40 }, (_, i) => (i % 40) / 40 + Math.floor(i / 40));
    const out = rowsToWindows(att, 9, 97);
    expect(out.length).toBe(9 * 97);
    for (let r = 0; r < 9; r++)
      expect(Array.from(out.subarray(r * 97, r * 97 + 97))).toEqual(Array.from(toWindows(att.subarray(r * 40, r * 40 + 40), 97)));
  });

  it('stacks sequences into [B, 40, 3D] and [B, 40]', () => {
    const a = buildSequence(new Float32Array(2 * 3).fill(1), 2, 3);
    const b = buildSequence(new Float32Array(50 * 3).fill(2), 50, 3);
    const s = stackSequences([a, b]);
    expect(s.xDims).toEqual([2, 40, 9]);
    expect(s.maskDims).toEqual([2, 40]);
    expect(s.x.subarray(40 * 9, 40 * 9 + 3)).toEqual(Float32Array.from([2, 2, 2]));
  });

  it('rejects bad input', () => {
    expect(() => buildSequence(new Float32Array(0), 0, 4)).toThrow(/at least one window/);
    expect(() => buildSequence(new Float32Array(5), 2, 4)).toThrow(/feature values/);
    expect(() => toWindows(new Float32Array(10), 3)).toThrow(/expected 40/);
  });
});
