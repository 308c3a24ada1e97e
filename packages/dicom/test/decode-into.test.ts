/**
 * `decodeDicomInto` (HU written straight into a volume, the series-loading path) must give exactly
 * what `decodeDicom` gives: same values bit for bit, NaN at the same padding voxels, same count,
 * same errors, and nothing written outside the frames' slots.
 */
import { describe, expect, it } from 'vitest';
import { DicomError, decodeDicom, decodeDicomInto, type PixelModule } from '../src/index';
import { corpusFiles, readShared } from './corpus-paths';
import { ctImage, part10, type El } from '@embolus/testkit';

const px = (...v: number[]) => Uint16Array.from(v);
const SENTINEL = 12345.5;

/** Decodes `bytes` both ways; frame f goes to slot offsets[f] of a sentinel-filled buffer. */
async function both(
  bytes: Uint8Array,
  offsetsOf: (pm: PixelModule) => number[] = (pm) => Array.from({ length: pm.frames }, (_, f) => 3 + f * pm.rows * pm.cols),
) {
  const ref = await decodeDicom(bytes);
  const offsets = offsetsOf(ref.pixel);
  const out = new Float32Array(ref.pixel.frames * ref.pixel.rows * ref.pixel.cols + 6).fill(SENTINEL);
  const into = await decodeDicomInto(bytes, out, () => offsets);
  return { ref, out, offsets, into };
}

function expectSameHu(r: Awaited<ReturnType<typeof both>>) {
  const perFrame = r.ref.pixel.rows * r.ref.pixel.cols;
  const written = new Uint8Array(r.out.length);
  r.offsets.forEach((o, f) => {
    if (o < 0) return;
    const got = r.out.subarray(o, o + perFrame);
    const want = r.ref.hu.subarray(f * perFrame, (f + 1) * perFrame);
    // Bit patterns, so NaN compares equal and −0 ≠ 0.
    expect(Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(Buffer.from(want.buffer, want.byteOffset, want.byteLength))).toBe(
      true,
    );
    written.fill(1, o, o + perFrame);
  });
  let stray = 0;
  for (let i = 0; i < r.out.length; i++) if (!written[i] && r.out[i] !== SENTINEL) stray++;
  expect(stray).toBe(0);
  expect(r.into.paddingCount).toBe(r.ref.paddingCount);
}

const cases: [string, El[]][] = [
  [
    'signed 12-bit with garbage above BitsStored',
    ctImage({ rows: 1, cols: 4, pixels: px(0xf7ff, 0x0800, 0xffff, 0x1001), bitsStored: 12, signed: true }),
  ],
  ['unsigned 12-bit', ctImage({ rows: 1, cols: 3, pixels: px(0xf7ff, 0x0800, 0xffff), bitsStored: 12 })],
  [
    'rescale 2.5, −1024',
    ctImage({
      rows: 1,
      cols: 2,
      pixels: px(0, 1000),
      extra: [
        { tag: 0x00281052, vr: 'DS', value: '-1024' },
        { tag: 0x00281053, vr: 'DS', value: '2.5' },
      ],
    }),
  ],
  [
    'PixelPaddingValue (signed)',
    ctImage({
      rows: 1,
      cols: 3,
      pixels: px(0xf830, 1024, 0xf830),
      signed: true,
      extra: [
        { tag: 0x00280120, vr: 'SS', value: [-2000] },
        { tag: 0x00281052, vr: 'DS', value: '-1024' },
      ],
    }),
  ],
  [
    'PixelPaddingRangeLimit',
    ctImage({
      rows: 1,
      cols: 4,
      pixels: px(0, 10, 11, 5),
      extra: [
        { tag: 0x00280120, vr: 'US', value: [0] },
        { tag: 0x00280121, vr: 'US', value: [10] },
      ],
    }),
  ],
  [
    'Modality LUT Sequence',
    ctImage({
      rows: 1,
      cols: 5,
      pixels: px(5, 10, 12, 13, 99),
      extra: [
        {
          tag: 0x00283000,
          vr: 'SQ',
          value: [
            [
              { tag: 0x00283002, vr: 'US', value: [4, 10, 16] },
              { tag: 0x00283006, vr: 'OW', value: new Uint8Array(new Uint16Array([100, 200, 300, 400]).buffer) },
            ],
          ],
        },
      ],
    }),
  ],
];

describe('decodeDicomInto', () => {
  for (const [name, els] of cases) {
    it(`writes what decodeDicom gives: ${name}`, async () => expectSameHu(await both(part10(els))));
  }

  it('decodes frames it is told to drop (negative offset), counting their padding, writing nothing', async () => {
    const els = ctImage({
      rows: 1,
      cols: 2,
      pixels: px(0, 7, 0, 0),
      extra: [
        { tag: 0x00280008, vr: 'IS', value: '2' },
        { tag: 0x00280120, vr: 'US', value: [0] },
      ],
    });
    const r = await both(part10(els), () => [-1, 3]);
    expect(r.into.paddingCount).toBe(3);
    expectSameHu(r);
  });

  it('lets the caller refuse an instance before anything is written, and keeps its error', async () => {
    const out = new Float32Array(8).fill(SENTINEL);
    const refuse = () => {
      throw new DicomError('INCONSISTENT_SERIES', 'x.dcm is 2x1, the series is 4x4');
    };
    await expect(decodeDicomInto(part10(ctImage({ rows: 1, cols: 2, pixels: px(1, 2) })), out, refuse)).rejects.toMatchObject({
      code: 'INCONSISTENT_SERIES',
    });
    expect(Array.from(out).every((v) => v === SENTINEL)).toBe(true);
  });

  it('refuses offsets that would write past the target', async () => {
    await expect(
      decodeDicomInto(part10(ctImage({ rows: 1, cols: 2, pixels: px(1, 2) })), new Float32Array(2), () => [1]),
    ).rejects.toMatchObject({ code: 'DECODE_FAILED' });
  });

  it('matches decodeDicom on every greyscale file of the shared corpus, or fails with the same code', async () => {
    let compared = 0;
    for (const file of corpusFiles()) {
      const bytes = readShared(file);
      const ref = await decodeDicom(bytes).catch((e: unknown) => e as DicomError);
      if (ref instanceof DicomError) {
        const out = new Float32Array(1 << 20);
        const err = await decodeDicomInto(bytes, out, (pm) => Array.from({ length: pm.frames }, () => -1)).catch((e: unknown) => e);
        expect(err, file).toBeInstanceOf(DicomError);
        expect((err as DicomError).code, file).toBe(ref.code);
        continue;
      }
      expectSameHu(await both(bytes));
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  }, 120_000);
});
