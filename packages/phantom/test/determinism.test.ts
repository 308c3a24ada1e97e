/** Same seed and options → the same bytes; anything else → different UIDs. */
import { describe, expect, it } from 'vitest';
import { generateStudy } from '../src/index';
import { SMALL } from './helpers';

const bytesOf = (s: ReturnType<typeof generateStudy>) => s.files.map((f) => Buffer.from(f.bytes));

describe('determinism', () => {
  it('gives byte-identical files, labels and truth for the same seed and options', () => {
    const opts = { ...SMALL, seed: 42, kind: 'positive' as const };
    const a = generateStudy(opts);
    const b = generateStudy(opts);
    expect(a.files.length).toBe(48);
    a.files.forEach((f, k) => expect(Buffer.compare(Buffer.from(f.bytes), bytesOf(b)[k]!)).toBe(0));
    expect(b.labels).toEqual(a.labels);
    expect(b.sliceLabels).toEqual(a.sliceLabels);
    expect(b.truth.emboli).toEqual(a.truth.emboli);
    expect(Buffer.compare(Buffer.from(a.truth.lungMask()), Buffer.from(b.truth.lungMask()))).toBe(0);
  });

  it('changes UIDs and pixels with the seed, and UIDs with the options', () => {
    const a = generateStudy({ ...SMALL, seed: 1 });
    const b = generateStudy({ ...SMALL, seed: 2 });
    const c = generateStudy({ ...SMALL, seed: 1, matrix: 128 });
    expect(new Set([a.studyInstanceUid, b.studyInstanceUid, c.studyInstanceUid]).size).toBe(3);
    expect(Buffer.compare(Buffer.from(a.files[20]!.bytes), Buffer.from(b.files[20]!.bytes))).not.toBe(0);
    // Same seed, other matrix: the same patient (anatomy is keyed by the seed alone).
    expect(c.truth.rvDiameterMm).toBe(a.truth.rvDiameterMm);
  });

  it('mints well-formed, unique 2.25 UIDs', () => {
    const s = generateStudy({ ...SMALL, seed: 5 });
    const uids = [s.studyInstanceUid, s.seriesInstanceUid, ...s.files.map((f) => f.sopInstanceUid)];
    for (const uid of uids) {
      expect(uid).toMatch(/^2\.25\.(0|[1-9]\d*)$/);
      expect(uid.length).toBeLessThanOrEqual(64);
    }
    expect(new Set(uids).size).toBe(uids.length);
  });
});
