/**
 * DICOM RLE Lossless (PS3.5 Annex G). Written here because no maintained standalone npm
 * package decodes it (cornerstone's lives inside its image loader, bound to its frame types).
 *
 * A frame holds a 64-byte header (segment count, then up to 15 segment offsets) followed by
 * PackBits-coded segments: one per byte plane per sample, most significant byte first.
 */
import { DicomError } from '../errors';

function u32(b: Uint8Array, at: number): number {
  return ((b[at] ?? 0) | ((b[at + 1] ?? 0) << 8) | ((b[at + 2] ?? 0) << 16) | ((b[at + 3] ?? 0) << 24)) >>> 0;
}

/**
 * Decodes one RLE frame into little-endian interleaved bytes (the layout of native pixel data
 * with PlanarConfiguration 0), `rows × cols × samples × bytesPerSample` long.
 */
export function decodeRleFrame(frame: Uint8Array, rows: number, cols: number, samples: number, bytesPerSample: number): Uint8Array {
  if (frame.length < 64) throw new DicomError('TRUNCATED', `RLE frame of ${frame.length} bytes has no 64-byte header`);
  const segments = u32(frame, 0);
  const expected = samples * bytesPerSample;
  if (segments !== expected) {
    throw new DicomError('DECODE_FAILED', `RLE header lists ${segments} segments, expected ${expected}`);
  }
  const pixels = rows * cols;
  const out = new Uint8Array(pixels * expected);
  for (let s = 0; s < segments; s++) {
    const start = u32(frame, 4 + 4 * s);
    const end = s + 1 < segments ? u32(frame, 8 + 4 * s) : frame.length;
    if (start < 64 || start > frame.length || end > frame.length || end < start) {
      throw new DicomError('DECODE_FAILED', `RLE segment ${s} offsets ${start}..${end} fall outside the ${frame.length}-byte frame`);
    }
    const sample = Math.floor(s / bytesPerSample);
    // Segment order is most significant byte first; output is little endian.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = expected;
    let o = sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = ((frame[i++] ?? 0) << 24) >> 24; // signed header byte
      if (n >= 0) {
        const count = Math.min(n + 1, pixels - written, end - i);
        for (let k = 0; k < count; k++, o += stride) out[o] = frame[i + k] ?? 0;
        i += n + 1;
        written += count;
      } else if (n !== -128) {
        const value = frame[i++] ?? 0;
        const count = Math.min(1 - n, pixels - written);
        for (let k = 0; k < count; k++, o += stride) out[o] = value;
        written += count;
      }
    }
    if (written < pixels) {
      throw new DicomError('TRUNCATED', `RLE segment ${s} decodes to ${written} of ${pixels} pixels`);
    }
  }
  return out;
}
