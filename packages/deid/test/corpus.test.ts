/**
 * Every file of the shared real-DICOM corpus (16+ transfer syntaxes, malformed files, a real
 * chest CT): de-identification either refuses it with a typed code or writes a file the API
 * accepts, with the pixel data (native or every encapsulated fragment) unchanged byte for byte.
 */
import dicomParser from 'dicom-parser';
import { inspectInstance } from '@embolus/edge-api';
import { describe, expect, it } from 'vitest';
import { corpusFiles, readShared } from '../../dicom/test/corpus-paths';
import { readPart10 } from '../src/dicom-io';
import { DeidError, deidentifyBuffer } from '../src/index';

const ab = (u8: Uint8Array): ArrayBuffer => u8.buffer.slice(u8.byteOffset, u8.byteOffset + u8.byteLength) as ArrayBuffer;

/** PixelData as stored: native bytes, or the encapsulated fragments concatenated (dicom-parser). */
function storedPixels(u8: Uint8Array): Buffer {
  const el = dicomParser.parseDicom(u8).elements['x7fe00010']!;
  if (el.fragments) return Buffer.concat(el.fragments.map((f) => Buffer.from(u8.subarray(f.position, f.position + f.length))));
  return Buffer.from(u8.subarray(el.dataOffset, el.dataOffset + el.length));
}

/** The original's pixels; a deflated file is inflated by dcmjs (dicom-parser needs a callback). */
function originalPixels(u8: Uint8Array): Buffer {
  try {
    return storedPixels(u8);
  } catch {
    const v = readPart10(ab(u8), false).dict['7FE00010']!.Value![0] as Uint8Array;
    return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  }
}

describe('the shared DICOM corpus', () => {
  it('is refused with a typed code or de-identified into what the API accepts, pixels unchanged', () => {
    const accepted: string[] = [];
    const refused: Record<string, number> = {};
    for (const rel of corpusFiles()) {
      const bytes = readShared(rel);
      let out;
      try {
        out = deidentifyBuffer(ab(bytes), { source: rel });
      } catch (e) {
        expect(e, rel).toBeInstanceOf(DeidError);
        refused[(e as DeidError).code] = (refused[(e as DeidError).code] ?? 0) + 1;
        continue;
      }
      const u8 = new Uint8Array(out.bytes);
      const api = inspectInstance(u8, { pseudonym: null, maxInflatedBytes: 1 << 28, source: rel });
      expect(api.ok ? 'accepted' : api.refusal.message, rel).toBe('accepted');
      expect(Buffer.compare(storedPixels(u8), originalPixels(bytes)), rel).toBe(0);
      accepted.push(rel);
    }
    // Every transfer syntax of the CT test image, and the whole real chest CT series.
    const syntaxes = accepted.filter((r) => r.includes('cornerstone_CTImage_all_transfer_syntaxes/CTImage.dcm'));
    expect(syntaxes.length).toBe(16);
    expect(accepted.filter((r) => r.startsWith('chest-ct/')).length).toBe(30);
    expect(accepted.length).toBeGreaterThanOrEqual(120);
    expect(Object.keys(refused).sort()).toEqual(expect.arrayContaining(['NOT_CT', 'NOT_DICOM']));
  }, 120_000);
});
