/**
 * Hounsfield units written straight into a caller's array (a series volume): the values
 * `decodeStoredPixels` then `toModalityValues` give, in one pass per frame, without their
 * intermediate arrays. Series loading decodes through here.
 */
import { DicomError } from './errors';
import type { InstanceInfo, ModalityLut, PixelModule } from './instance-info';
import type { ParsedDicom } from './parse';
import { DEFAULT_DECODE_LIMITS, checkGreyscale, frameReader, isPaddingFn, lutApply, type DecodeLimits } from './pixels';

// The two loops of the common case, each small and branch-free apart from padding, so V8
// optimizes them on their own (one loop with the sign test inside was measurably slower).
function rescaleUnsigned(
  src: ArrayLike<number>,
  mask: number,
  slope: number,
  intercept: number,
  p: number,
  out: Float32Array,
  o: number,
): number {
  let count = 0;
  const n = src.length;
  // Indexing a view from 0 keeps the offset addition out of the loop.
  const dst = out.subarray(o, o + n);
  for (let i = 0; i < n; i++) {
    const v = src[i]! & mask;
    if (v === p) {
      dst[i] = NaN;
      count++;
    } else dst[i] = v * slope + intercept;
  }
  return count;
}

function rescaleSigned(
  src: ArrayLike<number>,
  shift: number,
  slope: number,
  intercept: number,
  p: number,
  out: Float32Array,
  o: number,
): number {
  let count = 0;
  const n = src.length;
  // Indexing a view from 0 keeps the offset addition out of the loop.
  const dst = out.subarray(o, o + n);
  for (let i = 0; i < n; i++) {
    // Masking to BitsStored is implied: the shifts drop the bits above it and sign-extend.
    const v = (src[i]! << shift) >> shift;
    if (v === p) {
      dst[i] = NaN;
      count++;
    } else dst[i] = v * slope + intercept;
  }
  return count;
}

/**
 * Stored values (masked to BitsStored, sign-extended) of one frame's samples through its modality
 * LUT into `out` at `o`, NaN at padding; returns the padding count. The same arithmetic as
 * `storeBits` followed by `toModalityValues`, in one pass without the intermediate arrays.
 */
function frameToModality(
  src: ArrayLike<number>,
  pm: PixelModule,
  lut: ModalityLut,
  padding: InstanceInfo['padding'],
  out: Float32Array,
  o: number,
): number {
  const n = src.length;
  const bits = pm.bitsStored;
  const signed = pm.pixelRepresentation === 1;
  const mask = bits >= 32 ? 0 : (1 << bits) - 1;
  const shift = 32 - bits;
  const pad = isPaddingFn(padding);
  if (bits < 32 && lut.kind === 'rescale' && (!padding || padding.rangeLimit === undefined)) {
    // The common CT case: rescale, at most one padding value (NaN never equals a stored value).
    const p = padding ? padding.value : NaN;
    return signed
      ? rescaleSigned(src, shift, lut.slope, lut.intercept, p, out, o)
      : rescaleUnsigned(src, mask, lut.slope, lut.intercept, p, out, o);
  }
  let count = 0;
  for (let i = 0; i < n; i++) {
    const v = bits >= 32 ? src[i]! | 0 : signed ? ((src[i]! & mask) << shift) >> shift : src[i]! & mask;
    if (pad?.(v)) {
      out[o + i] = NaN;
      count++;
    } else out[o + i] = lut.kind === 'rescale' ? v * lut.slope + lut.intercept : lutApply(lut, v);
  }
  return count;
}

/**
 * Decodes every frame and writes its modality values (HU for CT) straight into `out`, frame `f`
 * at offset `offsets[f]` (negative: decoded, counted, not written): what `decodeStoredPixels` then
 * `toModalityValues` give, without their intermediate arrays. For assembling volumes. Returns how many voxels were padding. Throws
 * DicomError.
 */
export async function decodeModalityInto(
  parsed: ParsedDicom,
  info: InstanceInfo,
  out: Float32Array,
  offsets: readonly number[],
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<number> {
  const { pm, frameSamples } = frameReader(parsed, info, limits);
  checkGreyscale(pm, info);
  const perFrame = pm.rows * pm.cols;
  if (offsets.length !== pm.frames || offsets.some((o) => !(o < 0 || o + perFrame <= out.length))) {
    throw new DicomError('DECODE_FAILED', `${info.source}: ${pm.frames} frame(s) do not fit the target at the offsets given`, {
      details: { source: info.source },
    });
  }
  let count = 0;
  let scratch: Float32Array | undefined;
  for (let f = 0; f < pm.frames; f++) {
    const o = offsets[f]!;
    // A negative offset decodes the frame (its padding still counts) and drops it.
    const target = o >= 0 ? out : (scratch ??= new Float32Array(perFrame));
    count += frameToModality(
      await frameSamples(f),
      pm,
      info.modalityLut[f] ?? { kind: 'rescale', slope: 1, intercept: 0 },
      info.padding,
      target,
      Math.max(0, o),
    );
  }
  return count;
}
