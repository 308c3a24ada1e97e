/**
 * From pixel data bytes to stored values and modality values (HU for CT).
 *
 * Stored values: BitsStored bits of each BitsAllocated container, sign-extended when
 * PixelRepresentation is 1 (PS3.5 8.1.1). Modality values: the modality LUT (rescale or LUT
 * sequence) applied; padding voxels become NaN and are counted, never turned into HU.
 */
import dicomParser from 'dicom-parser';
import { decodeFrame } from './codecs/index';
import { DicomError, asDicomError } from './errors';
import type { InstanceInfo, ModalityLut, PixelModule } from './instance-info';
import type { ParsedDicom } from './parse';
import { tagName } from './tags';

/** Limits that keep a lying header from sizing an allocation. */
export interface DecodeLimits {
  /** Largest number of samples in one frame (rows × cols × samples per pixel). */
  maxFramePixels: number;
  /** Largest number of samples in all frames together. */
  maxTotalPixels: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxFramePixels: 8192 * 8192, maxTotalPixels: 1 << 27 };

function checkSize(pm: PixelModule, limits: DecodeLimits, source: string): void {
  const frame = pm.rows * pm.cols * pm.samplesPerPixel;
  const total = frame * pm.frames;
  if (frame > limits.maxFramePixels || total > limits.maxTotalPixels) {
    throw new DicomError(
      'IMAGE_TOO_LARGE',
      `${source}: ${pm.frames} frame(s) of ${pm.cols}x${pm.rows}x${pm.samplesPerPixel} ` +
        `exceed the limit of ${limits.maxTotalPixels} samples`,
      {
        details: { source, rows: pm.rows, cols: pm.cols, frames: pm.frames },
      },
    );
  }
}

/** Masks to BitsStored and sign-extends, writing into `out` at `offset`. */
function storeBits(src: ArrayLike<number>, pm: PixelModule, out: Int32Array, offset: number): void {
  const bits = pm.bitsStored;
  const n = src.length;
  if (bits >= 32) {
    for (let i = 0; i < n; i++) out[offset + i] = src[i]! | 0;
    return;
  }
  const mask = bits === 32 ? 0xffffffff : (1 << bits) - 1;
  // PS3.5 8.1.1: bits above HighBit are not part of the value. Data here is aligned at bit 0
  // (HighBit = BitsStored − 1), which is what every CT writer does and what PS3.5 now mandates.
  if (pm.pixelRepresentation === 1) {
    const shift = 32 - bits;
    for (let i = 0; i < n; i++) out[offset + i] = ((src[i]! & mask) << shift) >> shift;
  } else {
    for (let i = 0; i < n; i++) out[offset + i] = src[i]! & mask;
  }
}

function nativeFrameSamples(
  parsed: ParsedDicom,
  info: InstanceInfo,
  pm: PixelModule,
  frame: number,
  bigEndian: boolean,
): ArrayLike<number> {
  const el = parsed.dataSet.elements[info.pixelDataTag!]!;
  const perFrame = pm.rows * pm.cols * pm.samplesPerPixel;
  if (pm.bitsAllocated === 1) return unpackBits(parsed.byteArray, el.dataOffset, frame * perFrame, perFrame, info.source);
  const bytesPer = pm.bitsAllocated / 8;
  const start = el.dataOffset + frame * perFrame * bytesPer;
  const end = start + perFrame * bytesPer;
  const buf = parsed.byteArray;
  if (end > buf.length) {
    throw new DicomError('TRUNCATED', `${info.source}: pixel data ends at byte ${buf.length}, frame ${frame} needs bytes up to ${end}`, {
      details: { source: info.source, frame },
    });
  }
  if (bytesPer === 1) return buf.subarray(start, end);
  const view = new DataView(buf.buffer, buf.byteOffset + start, end - start);
  const le = !bigEndian;
  if (bytesPer === 2) {
    const out = new Uint16Array(perFrame);
    // Aligned little-endian data can be copied as a block; anything else goes through DataView.
    if (le && (buf.byteOffset + start) % 2 === 0) out.set(new Uint16Array(buf.buffer, buf.byteOffset + start, perFrame));
    else for (let i = 0; i < perFrame; i++) out[i] = view.getUint16(i * 2, le);
    return out;
  }
  const out = new Uint32Array(perFrame);
  for (let i = 0; i < perFrame; i++) out[i] = view.getUint32(i * 4, le);
  return out;
}

/**
 * BitsAllocated 1 (segmentations, overlays): bits are packed little-endian within each byte and
 * frames follow each other without byte alignment (PS3.5 8.1.1, PS3.3 C.7.6.3.1.4).
 */
function unpackBits(buf: Uint8Array, dataOffset: number, firstBit: number, count: number, source: string): Uint8Array {
  const lastByte = dataOffset + ((firstBit + count - 1) >> 3);
  if (lastByte >= buf.length)
    throw new DicomError('TRUNCATED', `${source}: 1-bit pixel data ends before byte ${lastByte}`, { details: { source } });
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    const bit = firstBit + i;
    out[i] = ((buf[dataOffset + (bit >> 3)] ?? 0) >> (bit & 7)) & 1;
  }
  return out;
}

/** Reorders planar (RRR…GGG…BBB) samples to interleaved, as decoders return. */
function interleave(src: ArrayLike<number>, pm: PixelModule): ArrayLike<number> {
  if (pm.planarConfiguration === 0 || pm.samplesPerPixel === 1) return src;
  const px = pm.rows * pm.cols;
  const out = new Uint32Array(src.length);
  for (let s = 0; s < pm.samplesPerPixel; s++) for (let i = 0; i < px; i++) out[i * pm.samplesPerPixel + s] = src[s * px + i]!;
  return out;
}

/** Decoded stored values of every frame, frame after frame. */
export interface StoredPixels {
  pixel: PixelModule;
  /** Interleaved samples of all frames. */
  stored: Int32Array;
}

/**
 * Checks that an instance's pixel data can be decoded and returns a reader of each frame's raw
 * samples (unsigned bit patterns, interleaved). Throws DicomError.
 */
export function frameReader(
  parsed: ParsedDicom,
  info: InstanceInfo,
  limits: DecodeLimits,
): { pm: PixelModule; frameSamples: (f: number) => Promise<ArrayLike<number>> } {
  const source = info.source;
  const pm = info.pixel;
  if (!pm || !info.pixelDataTag) throw new DicomError('NO_PIXEL_DATA', `${source}: no Pixel Data element`, { details: { source } });
  if (info.pixelDataTag !== 'x7fe00010') {
    throw new DicomError(
      'UNSUPPORTED_PIXEL_FORMAT',
      `${source}: ${tagName(info.pixelDataTag)} (floating-point pixels) is not CT stored data`,
      { details: { source } },
    );
  }
  const ts = parsed.transferSyntax;
  if (!ts) {
    throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', `${source}: transfer syntax ${parsed.transferSyntaxUid} is not supported`, {
      details: { source, transferSyntaxUid: parsed.transferSyntaxUid },
    });
  }
  const nativeOnly = pm.bitsAllocated === 1 || pm.bitsAllocated === 32;
  if (
    ![1, 8, 16, 32].includes(pm.bitsAllocated) ||
    (nativeOnly && ts.codec !== 'native' && !(ts.codec === 'rle' && pm.bitsAllocated === 32))
  ) {
    throw new DicomError('UNSUPPORTED_PIXEL_FORMAT', `${source}: BitsAllocated ${pm.bitsAllocated} is not supported`, {
      details: { source },
    });
  }
  checkSize(pm, limits, source);
  const el = parsed.dataSet.elements[info.pixelDataTag]!;
  const perFrame = pm.rows * pm.cols * pm.samplesPerPixel;
  if (ts.codec === 'native') {
    const needed = Math.ceil((perFrame * pm.frames * pm.bitsAllocated) / 8);
    if (el.length < needed && el.length !== 0xffffffff) {
      throw new DicomError('PIXEL_DATA_SIZE_MISMATCH', `${source}: Pixel Data holds ${el.length} bytes, the header implies ${needed}`, {
        details: { source, length: el.length, expected: needed },
      });
    }
  } else if (!el.encapsulatedPixelData) {
    throw new DicomError('MALFORMED', `${source}: ${ts.name} needs encapsulated pixel data`, { details: { source } });
  } else if ((el.fragments?.length ?? 0) < pm.frames) {
    // PS3.5 A.4: every frame occupies at least one fragment. Checked before allocating, so a
    // NumberOfFrames that lies cannot size the output buffer.
    throw new DicomError(
      'PIXEL_DATA_SIZE_MISMATCH',
      `${source}: ${pm.frames} frame(s) declared, ${el.fragments?.length ?? 0} fragment(s) present`,
      {
        details: { source, frames: pm.frames, fragments: el.fragments?.length ?? 0 },
      },
    );
  }
  const codec = ts.codec;
  const bigEndian = ts.bigEndian;
  const frameSamples = async (f: number): Promise<ArrayLike<number>> =>
    codec === 'native'
      ? interleave(nativeFrameSamples(parsed, info, pm, f, bigEndian), pm)
      : decodeFrame(codec, encapsulatedFrame(parsed, el, f, pm.frames, source), {
          rows: pm.rows,
          cols: pm.cols,
          samplesPerPixel: pm.samplesPerPixel,
          bitsAllocated: pm.bitsAllocated,
          bitsStored: pm.bitsStored,
          pixelRepresentation: pm.pixelRepresentation,
          photometric: pm.photometric,
        });
  return { pm, frameSamples };
}

/**
 * Decodes the stored values of every frame, whatever the transfer syntax. Throws DicomError.
 */
export async function decodeStoredPixels(
  parsed: ParsedDicom,
  info: InstanceInfo,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<StoredPixels> {
  const { pm, frameSamples } = frameReader(parsed, info, limits);
  const perFrame = pm.rows * pm.cols * pm.samplesPerPixel;
  const stored = new Int32Array(perFrame * pm.frames);
  for (let f = 0; f < pm.frames; f++) storeBits(await frameSamples(f), pm, stored, f * perFrame);
  return { pixel: pm, stored };
}

function encapsulatedFrame(parsed: ParsedDicom, el: dicomParser.Element, frame: number, frames: number, source: string): Uint8Array {
  try {
    const fragments = el.fragments ?? [];
    if (fragments.length === 0) throw new DicomError('NO_PIXEL_DATA', `${source}: encapsulated Pixel Data has no fragments`);
    for (const fr of fragments) {
      if (fr.position + fr.length > parsed.byteArray.length) {
        throw new DicomError('TRUNCATED', `${source}: a pixel data fragment runs past the end of the file`, { details: { source } });
      }
    }
    if (frames === 1) return dicomParser.readEncapsulatedPixelDataFromFragments(parsed.dataSet, el, 0, fragments.length) as Uint8Array;
    const bot = el.basicOffsetTable && el.basicOffsetTable.length > 0 ? el.basicOffsetTable : undefined;
    if (!bot && fragments.length === frames)
      return dicomParser.readEncapsulatedPixelDataFromFragments(parsed.dataSet, el, frame, 1) as Uint8Array;
    const table = bot ?? dicomParser.createJPEGBasicOffsetTable(parsed.dataSet, el);
    return dicomParser.readEncapsulatedImageFrame(parsed.dataSet, el, frame, table) as Uint8Array;
  } catch (e) {
    throw asDicomError(e, 'MALFORMED', `${source}: cannot read encapsulated frame ${frame}`);
  }
}

/** Modality values of all frames and how many voxels were padding. */
export interface ModalityPixels {
  /** Modality values (HU for CT), NaN where the stored value is padding. */
  values: Float32Array;
  paddingCount: number;
}

/** Package-internal (also used by hu-into.ts): a test for padding stored values, if any. */
export function isPaddingFn(p: InstanceInfo['padding']): ((v: number) => boolean) | undefined {
  if (!p) return undefined;
  if (p.rangeLimit === undefined) return (v) => v === p.value;
  const lo = Math.min(p.value, p.rangeLimit);
  const hi = Math.max(p.value, p.rangeLimit);
  return (v) => v >= lo && v <= hi;
}

/** Package-internal: one stored value through a LUT, clamped to its range. */
export function lutApply(lut: ModalityLut & { kind: 'lut' }, v: number): number {
  const i = v - lut.firstMapped;
  const n = lut.data.length;
  return lut.data[i <= 0 ? 0 : i >= n ? n - 1 : i]!;
}

/** Package-internal: refuses colour data, which has no modality values. */
export function checkGreyscale(pm: PixelModule, info: InstanceInfo): void {
  if (pm.samplesPerPixel !== 1 || !/^MONOCHROME[12]$/.test(pm.photometric)) {
    throw new DicomError(
      'UNSUPPORTED_PHOTOMETRIC',
      `${info.source}: ${pm.photometric} with ${pm.samplesPerPixel} sample(s) per pixel has no modality values`,
      {
        details: { source: info.source, photometric: pm.photometric },
      },
    );
  }
}

/**
 * Applies the modality LUT of each frame. Greyscale only: colour photometrics throw
 * UNSUPPORTED_PHOTOMETRIC since they carry no Hounsfield units.
 */
export function toModalityValues(stored: StoredPixels, info: InstanceInfo): ModalityPixels {
  const pm = stored.pixel;
  checkGreyscale(pm, info);
  const perFrame = pm.rows * pm.cols;
  const values = new Float32Array(stored.stored.length);
  const pad = isPaddingFn(info.padding);
  let paddingCount = 0;
  const s = stored.stored;
  for (let f = 0; f < pm.frames; f++) {
    const lut = info.modalityLut[f] ?? { kind: 'rescale', slope: 1, intercept: 0 };
    const o = f * perFrame;
    if (lut.kind === 'rescale' && !pad) {
      const { slope, intercept } = lut;
      for (let i = o; i < o + perFrame; i++) values[i] = s[i]! * slope + intercept;
      continue;
    }
    for (let i = o; i < o + perFrame; i++) {
      const v = s[i]!;
      if (pad?.(v)) {
        values[i] = NaN;
        paddingCount++;
      } else {
        values[i] = lut.kind === 'rescale' ? v * lut.slope + lut.intercept : lutApply(lut, v);
      }
    }
  }
  return { values, paddingCount };
}

/**
 * One frame (0-based) as WADO-RS answers it. `encoding: 'stored'` gives the bytes as stored: a
 * native frame's bytes (big-endian samples swapped to little-endian, so the result is in
 * Explicit VR Little Endian) or an encapsulated frame's bitstream. `encoding: 'native'` always
 * gives uncompressed little-endian samples, decoding a compressed frame. Bits-allocated-1 frames
 * are not served. Throws DicomError.
 */
export async function frameBytes(
  parsed: ParsedDicom,
  info: InstanceInfo,
  frame: number,
  encoding: 'stored' | 'native',
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<{ bytes: Uint8Array; transferSyntaxUid: string }> {
  const { pm, frameSamples } = frameReader(parsed, info, limits);
  const source = info.source;
  if (!Number.isInteger(frame) || frame < 0 || frame >= pm.frames) {
    throw new DicomError('MALFORMED', `${source}: frame ${frame + 1} is not among its ${pm.frames} frame(s)`, {
      details: { source, frames: pm.frames },
    });
  }
  if (pm.bitsAllocated === 1)
    throw new DicomError('UNSUPPORTED_PIXEL_FORMAT', `${source}: single-bit frames are not served`, { details: { source } });
  const ts = parsed.transferSyntax!;
  const el = parsed.dataSet.elements[info.pixelDataTag!]!;
  const perFrame = pm.rows * pm.cols * pm.samplesPerPixel;
  const bytesPer = pm.bitsAllocated / 8;
  if (ts.codec !== 'native' && encoding === 'stored') {
    return { bytes: encapsulatedFrame(parsed, el, frame, pm.frames, source), transferSyntaxUid: parsed.transferSyntaxUid };
  }
  if (ts.codec === 'native' && !ts.bigEndian && pm.planarConfiguration === 0) {
    const start = el.dataOffset + frame * perFrame * bytesPer;
    const end = start + perFrame * bytesPer;
    if (end > parsed.byteArray.length)
      throw new DicomError('TRUNCATED', `${source}: frame ${frame + 1} runs past the end of the pixel data`, {
        details: { source, frame },
      });
    return { bytes: parsed.byteArray.subarray(start, end), transferSyntaxUid: '1.2.840.10008.1.2.1' };
  }
  // Decoded (or big-endian, or planar) samples, written little-endian in their container size.
  const samples = await frameSamples(frame);
  const out = new Uint8Array(perFrame * bytesPer);
  const view = new DataView(out.buffer);
  for (let i = 0; i < perFrame; i++) {
    const v = samples[i]!;
    if (bytesPer === 1) out[i] = v & 0xff;
    else if (bytesPer === 2) view.setUint16(i * 2, v & 0xffff, true);
    else view.setUint32(i * 4, v >>> 0, true);
  }
  return { bytes: out, transferSyntaxUid: '1.2.840.10008.1.2.1' };
}
