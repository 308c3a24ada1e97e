/**
 * Parse limits that protect the callers: the sequence nesting limit (deeper datasets are
 * MALFORMED, whatever the runtime's stack) and bounded inflation of deflated datasets.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { DicomError, MAX_SEQUENCE_DEPTH, parseDicomBytes, sequenceDepth } from '../src/index';
import { ctImage, part10, type El } from '@embolus/testkit';

const pixels = new Uint16Array(4 * 4).fill(1000);
const nest = (depth: number): El => {
  let items: El[] = [{ tag: 0x0040a010, vr: 'CS', value: 'CONTAINS' }];
  for (let i = 1; i < depth; i++) items = [{ tag: 0x0040a730, vr: 'SQ', value: [items] }];
  return { tag: 0x0040a730, vr: 'SQ', value: [items] };
};
const instance = (depth: number) => part10(ctImage({ rows: 4, cols: 4, pixels, extra: [nest(depth)] }));

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof DicomError ? e.code : 'not a DicomError';
  }
  return undefined;
}

describe('parse limits', () => {
  it(`reads datasets nested ${MAX_SEQUENCE_DEPTH} sequences deep and refuses deeper ones as MALFORMED`, () => {
    expect(sequenceDepth(parseDicomBytes(instance(MAX_SEQUENCE_DEPTH)).dataSet)).toBe(MAX_SEQUENCE_DEPTH);
    expect(codeOf(() => parseDicomBytes(instance(MAX_SEQUENCE_DEPTH + 1)))).toBe('MALFORMED');
    expect(codeOf(() => parseDicomBytes(instance(3), 'x', { maxInflatedBytes: 1 << 20, maxSequenceDepth: 2 }))).toBe('MALFORMED');
    expect(sequenceDepth(parseDicomBytes(instance(3)).dataSet)).toBe(3);
  });

  it('stops inflating a deflated dataset at the limit (a 1 MB stream of ~1 GB)', () => {
    const piece = deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
    const bomb = new Uint8Array(piece.length * 1000 + 2);
    for (let i = 0; i < 1000; i++) bomb.set(piece, i * piece.length);
    bomb.set([0x03, 0x00], piece.length * 1000);
    const file = part10([], '1.2.840.10008.1.2.1.99', 'explicit-le', () => bomb);
    expect(codeOf(() => parseDicomBytes(file, 'bomb', { maxInflatedBytes: 8 << 20 }))).toBe('IMAGE_TOO_LARGE');
    const ok = part10(ctImage({ rows: 4, cols: 4, pixels }), '1.2.840.10008.1.2.1.99', 'explicit-le', (body) => deflateRawSync(body));
    expect(parseDicomBytes(ok, 'ok', { maxInflatedBytes: 1 << 20 }).dataSet.uint16('x00280010')).toBe(4);
  });
});
