/**
 * Every file of the shared corpus against a reference decode (pydicom 2.3 + GDCM, cross-checked
 * with DCMTK). Fixture: test/fixtures/reference.json, made by scripts/make_reference_fixtures.py.
 *
 * - Lossless transfer syntaxes: stored values and HU must be bit-identical (sha256).
 * - Lossy ones: HU means over a 16×16 grid must agree within LOSSY_TOLERANCE_HU, so a codec
 *   whose IDCT rounds differently still passes; today they are in fact identical.
 * - Files the reference cannot decode: ours must be a typed DicomError, or, where we decode
 *   them, DCMTK's decode must agree or the file must be listed below with the reason.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DicomError, decodeDicom, type DicomErrorCode } from '../src/index';
import { corpusFiles, readShared } from './corpus-paths';

interface Ref {
  status: 'ok' | 'error';
  reason?: string;
  lossy?: boolean;
  storedSha256?: string;
  huSha256?: string;
  dcmtkStoredSha256?: string;
  grid?: (number | null)[][];
  rows?: number;
  cols?: number;
  frames?: number;
  paddingCount?: number;
  rescale?: { slope?: number };
}
const REF: Record<string, Ref> = JSON.parse(readFileSync(new URL('./fixtures/reference.json', import.meta.url), 'utf8'));

/** Cell means may differ by this much (HU) between two conforming lossy decoders. */
const LOSSY_TOLERANCE_HU = 2;

/** Files the reference toolkits cannot decode but we can, and why that is right. */
const BEYOND_REFERENCE: Record<string, string> = {
  'dicom-corpus/notzaki_dicomsamples/DICOMSamples__CT_Implicit_Little_Headless_Retired.dcm':
    'raw implicit-VR dataset without file meta; pydicom 2.3 fails on a missing attribute, the pixels are plain 16-bit',
  'dicom-corpus/orthanc_tests/MultiframeWindowing.dcm':
    'tiny multi-frame file whose windowing attributes trip pydicom 2.3; pixel data is native',
};

/** For each reference failure reason, the codes we may answer with. */
const ERROR_CODES: Record<string, DicomErrorCode[]> = {
  'not-dicom': ['NOT_DICOM', 'MALFORMED'],
  'no-pixel-data': ['NO_PIXEL_DATA', 'MISSING_TAG', 'PIXEL_DATA_SIZE_MISMATCH', 'MALFORMED', 'TRUNCATED', 'NOT_DICOM'],
  colour: ['UNSUPPORTED_PHOTOMETRIC'],
  'float-pixel-data': ['UNSUPPORTED_PIXEL_FORMAT'],
  truncated: ['TRUNCATED', 'PIXEL_DATA_SIZE_MISMATCH'],
  'image-too-large': ['IMAGE_TOO_LARGE'],
  'unsupported-ts': ['UNSUPPORTED_TRANSFER_SYNTAX'],
};

const sha = (a: ArrayBufferView) =>
  createHash('sha256')
    .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
    .digest('hex');

function gridOf(hu: Float32Array, rows: number, cols: number): (number | null)[][] {
  const split = (n: number) => {
    const q = Math.floor(n / 16);
    const r = n % 16;
    const out: [number, number][] = [];
    for (let i = 0, s = 0; i < 16; i++) {
      const len = q + (i < r ? 1 : 0);
      out.push([s, s + len]);
      s += len;
    }
    return out;
  };
  return split(rows).map(([r0, r1]) =>
    split(cols).map(([c0, c1]) => {
      let sum = 0;
      let n = 0;
      for (let y = r0; y < r1; y++)
        for (let x = c0; x < c1; x++) {
          const v = hu[y * cols + x]!;
          if (!Number.isNaN(v)) (sum += v), n++;
        }
      return n ? sum / n : null;
    }),
  );
}

const files = corpusFiles();

describe('the shared corpus', () => {
  it('has a reference entry for every file', () => {
    expect(files.filter((f) => !REF[f])).toEqual([]);
    expect(files.length).toBeGreaterThan(240);
  });

  for (const file of files) {
    const ref = REF[file]!;
    it(`${file} (${ref.status === 'ok' ? (ref.lossy ? 'lossy' : 'lossless') : ref.reason})`, async () => {
      let result: Awaited<ReturnType<typeof decodeDicom>> | undefined;
      let error: unknown;
      try {
        result = await decodeDicom(readShared(file), { source: file });
      } catch (e) {
        error = e;
      }
      if (error !== undefined) expect(error).toBeInstanceOf(DicomError);
      if (ref.status === 'ok') {
        if (error) throw error;
        const img = result!;
        expect([img.pixel.rows, img.pixel.cols, img.pixel.frames]).toEqual([ref.rows, ref.cols, ref.frames]);
        expect(img.paddingCount).toBe(ref.paddingCount);
        if (!ref.lossy) {
          expect(sha(img.stored)).toBe(ref.storedSha256);
          expect(sha(img.hu)).toBe(ref.huSha256);
        } else {
          const mine = gridOf(img.hu, img.pixel.rows, img.pixel.cols);
          ref.grid!.forEach((row, i) =>
            row.forEach((v, j) => {
              if (v !== null) expect(Math.abs(mine[i]![j]! - v)).toBeLessThanOrEqual(LOSSY_TOLERANCE_HU);
            }),
          );
        }
        return;
      }
      if (result) {
        // We decode what the reference could not: DCMTK must agree, or the file is a known case.
        if (ref.dcmtkStoredSha256) expect(sha(result.stored)).toBe(ref.dcmtkStoredSha256);
        else expect(BEYOND_REFERENCE[file], `decoded ${file}, which the reference rejects (${ref.reason})`).toBeDefined();
        return;
      }
      const allowed = ERROR_CODES[ref.reason ?? ''];
      if (allowed) expect(allowed).toContain((error as DicomError).code);
      expect((error as DicomError).message.length).toBeGreaterThan(10);
    });
  }
});
