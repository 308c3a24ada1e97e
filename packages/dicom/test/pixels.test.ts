/**
 * Stored values and the modality LUT on files built with exact header values.
 */
import { deflateSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { DicomError, decodeDicom, decodeRleFrame, parseDicomBytes, readDicomInfo } from '../src/index';
import { concat, ctImage, part10, rawDataset } from '@embolus/testkit';

const px = (...v: number[]) => Uint16Array.from(v);

describe('stored values', () => {
  it('masks bits above BitsStored and sign-extends 12-bit two’s complement', async () => {
    // 0xF800 | 0x07FF: garbage in the top 4 bits, value 0x7FF = 2047.
    // 0x0800: sign bit of a 12-bit value → −2048. 0xFFFF → −1. 0x1001 → 1 after masking.
    const bytes = part10(ctImage({ rows: 1, cols: 4, pixels: px(0xf7ff, 0x0800, 0xffff, 0x1001), bitsStored: 12, signed: true }));
    const img = await decodeDicom(bytes);
    expect(Array.from(img.stored)).toEqual([2047, -2048, -1, 1]);
  });

  it('masks unsigned 12-bit data without sign extension', async () => {
    const img = await decodeDicom(part10(ctImage({ rows: 1, cols: 3, pixels: px(0xf7ff, 0x0800, 0xffff), bitsStored: 12 })));
    expect(Array.from(img.stored)).toEqual([2047, 2048, 4095]);
  });

  it('refuses pixel data shorter than the header implies', async () => {
    const els = ctImage({ rows: 4, cols: 4, pixels: px(1, 2, 3) });
    await expect(decodeDicom(part10(els))).rejects.toMatchObject({ code: 'PIXEL_DATA_SIZE_MISMATCH' });
  });

  it('refuses a header that declares a huge image before allocating for it', async () => {
    const els = ctImage({ rows: 60000, cols: 60000, pixels: px(1, 2) });
    await expect(decodeDicom(part10(els))).rejects.toMatchObject({ code: 'IMAGE_TOO_LARGE' });
  });

  it('names the missing tag', async () => {
    const els = ctImage({ rows: 1, cols: 2, pixels: px(1, 2) }).filter((e) => e.tag !== 0x00280010);
    const err = await decodeDicom(part10(els), { source: 'x.dcm' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DicomError);
    expect(err).toMatchObject({ code: 'MISSING_TAG', details: { tag: 'x00280010', source: 'x.dcm' } });
    expect((err as Error).message).toContain('Rows (0028,0010)');
  });
});

describe('modality LUT', () => {
  it('applies rescale slope and intercept', async () => {
    const extra = [
      { tag: 0x00281052, vr: 'DS', value: '-1024' },
      { tag: 0x00281053, vr: 'DS', value: '2.5' },
    ];
    const img = await decodeDicom(part10(ctImage({ rows: 1, cols: 2, pixels: px(0, 1000), extra })));
    expect(Array.from(img.hu)).toEqual([-1024, 1476]);
  });

  it('defaults to identity when rescale is absent, and slope 1 when only the intercept is given', async () => {
    expect(Array.from((await decodeDicom(part10(ctImage({ rows: 1, cols: 1, pixels: px(7) })))).hu)).toEqual([7]);
    const extra = [{ tag: 0x00281052, vr: 'DS', value: '-1000' }];
    expect(Array.from((await decodeDicom(part10(ctImage({ rows: 1, cols: 1, pixels: px(7), extra })))).hu)).toEqual([-993]);
  });

  it('uses the Modality LUT Sequence, clamping outside its range', async () => {
    const lut = new Uint8Array(new Uint16Array([100, 200, 300, 400]).buffer);
    const extra = [
      {
        tag: 0x00283000,
        vr: 'SQ',
        value: [
          [
            { tag: 0x00283002, vr: 'US', value: [4, 10, 16] },
            { tag: 0x00283004, vr: 'LO', value: 'HU' },
            { tag: 0x00283006, vr: 'OW', value: lut },
          ],
        ],
      },
    ];
    const img = await decodeDicom(part10(ctImage({ rows: 1, cols: 5, pixels: px(5, 10, 12, 13, 99), extra })));
    expect(Array.from(img.hu)).toEqual([100, 100, 300, 400, 400]);
  });

  it('marks PixelPaddingValue voxels as padding (NaN), never HU', async () => {
    const extra = [
      { tag: 0x00280120, vr: 'SS', value: [-2000] },
      { tag: 0x00281052, vr: 'DS', value: '-1024' },
    ];
    const img = await decodeDicom(part10(ctImage({ rows: 1, cols: 3, pixels: px(0xf830, 1024, 0xf830), signed: true, extra })));
    expect(img.paddingCount).toBe(2);
    expect(Number.isNaN(img.hu[0]!)).toBe(true);
    expect(img.hu[1]).toBe(0);
  });

  it('honours PixelPaddingRangeLimit as an inclusive range', async () => {
    const extra = [
      { tag: 0x00280120, vr: 'US', value: [0] },
      { tag: 0x00280121, vr: 'US', value: [10] },
    ];
    const img = await decodeDicom(part10(ctImage({ rows: 1, cols: 4, pixels: px(0, 10, 11, 5), extra })));
    expect(img.paddingCount).toBe(3);
    expect(img.hu[2]).toBe(11);
  });

  it('refuses colour images for HU with UNSUPPORTED_PHOTOMETRIC', async () => {
    const els = ctImage({ rows: 1, cols: 1, pixels: px(1) }).map((e) => (e.tag === 0x00280004 ? { ...e, value: 'PALETTE COLOR' } : e));
    await expect(decodeDicom(part10(els))).rejects.toMatchObject({ code: 'UNSUPPORTED_PHOTOMETRIC' });
  });
});

describe('reading', () => {
  const els = ctImage({ rows: 1, cols: 2, pixels: px(3, 4) });

  it('reads a raw explicit-VR dataset with no preamble and no file meta', async () => {
    const parsed = parseDicomBytes(rawDataset(els));
    expect(parsed.hasPreamble).toBe(false);
    expect(parsed.transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(Array.from((await decodeDicom(rawDataset(els))).stored)).toEqual([3, 4]);
  });

  it('reads file meta that lacks the 128-byte preamble', async () => {
    const full = part10(els);
    const img = await decodeDicom(full.subarray(132));
    expect(Array.from(img.stored)).toEqual([3, 4]);
    expect(readDicomInfo(full.subarray(128)).parsed.hasFileMeta).toBe(true);
  });

  it('inflates a deflated dataset and refuses a deflate bomb', async () => {
    const full = part10(els, '1.2.840.10008.1.2.1.99');
    const metaEnd = full.length - rawDataset(els).length;
    const deflated = concat([full.subarray(0, metaEnd), deflateSync(rawDataset(els))]);
    expect(Array.from((await decodeDicom(deflated)).stored)).toEqual([3, 4]);
    const bomb = concat([full.subarray(0, metaEnd), deflateSync(new Uint8Array(64 << 20))]);
    expect(() => parseDicomBytes(bomb, 'bomb', { maxInflatedBytes: 8 << 20 })).toThrow(
      expect.objectContaining({ code: 'IMAGE_TOO_LARGE' }),
    );
  });

  it('calls non-DICOM bytes NOT_DICOM', () => {
    expect(() => parseDicomBytes(new TextEncoder().encode('%PDF-1.7 this is not dicom at all, really'))).toThrow(
      expect.objectContaining({ code: 'NOT_DICOM' }),
    );
    expect(() => parseDicomBytes(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'NOT_DICOM' }));
  });

  it('calls a cut-off file TRUNCATED', async () => {
    const full = part10(els);
    expect(() => parseDicomBytes(full.subarray(0, 200))).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
    await expect(decodeDicom(full.subarray(0, full.length - 2))).rejects.toMatchObject({
      code: expect.stringMatching(/TRUNCATED|PIXEL_DATA_SIZE_MISMATCH/),
    });
  });
});

describe('RLE', () => {
  /** PackBits-encode one byte plane the simple way: literal runs of ≤128 bytes. */
  function literal(plane: number[]): number[] {
    const out: number[] = [];
    for (let i = 0; i < plane.length; i += 128) {
      const chunk = plane.slice(i, i + 128);
      out.push(chunk.length - 1, ...chunk);
    }
    return out;
  }
  function frame(segments: number[][]): Uint8Array {
    const header = new Uint8Array(64);
    const dv = new DataView(header.buffer);
    dv.setUint32(0, segments.length, true);
    let at = 64;
    segments.forEach((s, i) => (dv.setUint32(4 + 4 * i, at, true), (at += s.length)));
    return concat([header, ...segments.map((s) => Uint8Array.from(s))]);
  }

  it('decodes 16-bit data from high and low byte planes, literal and replicate runs', () => {
    const values = [0x0102, 0x0304, 0xfffe, 0x0000];
    const hi = literal(values.map((v) => v >> 8));
    const lo = [-3 & 0xff, 0x07]; // replicate 0x07 four times
    const out = decodeRleFrame(frame([hi, lo]), 1, 4, 1, 2);
    expect(Array.from(new Uint16Array(out.buffer))).toEqual([0x0107, 0x0307, 0xff07, 0x0007]);
  });

  it('refuses segments that decode too few pixels or point outside the frame', () => {
    expect(() => decodeRleFrame(frame([[0, 1]]), 2, 2, 1, 1)).toThrow(expect.objectContaining({ code: 'TRUNCATED' }));
    const bad = frame([[0, 1]]);
    new DataView(bad.buffer).setUint32(4, 10_000, true);
    expect(() => decodeRleFrame(bad, 1, 1, 1, 1)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });
});
