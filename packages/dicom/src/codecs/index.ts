/**
 * Pixel codecs. Every decoder takes one frame's compressed bytes and returns its samples as
 * unsigned bit patterns (masking and sign extension to BitsStored happen in `pixels.ts`),
 * interleaved, row-major.
 *
 * Decoders used: @cornerstonejs/codec-openjpeg (JPEG 2000), -openjph (HTJ2K), -charls (JPEG-LS),
 * dcmjs-codecs (every JPEG process, see `ijg-jpeg.ts`). RLE is decoded in `rle.ts`.
 */
import { DicomError } from '../errors';
import type { CodecId } from '../transfer-syntax';
import { j2kSize, jpegSize, type CodestreamSize } from './codestream-header';
import { decodeRleFrame } from './rle';
import { loadWasmCodec, resetWasmCodec, type EmbindDecoder, type WasmCodecName } from './wasm';
import { decodeIjgJpeg } from './ijg-jpeg';
import type { FrameSpec, Samples } from './frame';

export type { FrameSpec, Samples } from './frame';

function checkDeclared(size: CodestreamSize | undefined, spec: FrameSpec, codec: CodecId): void {
  if (!size) return;
  if (size.width !== spec.cols || size.height !== spec.rows) {
    throw new DicomError(
      'PIXEL_DATA_SIZE_MISMATCH',
      `${codec} codestream declares ${size.width}x${size.height}, DICOM header says ${spec.cols}x${spec.rows}`,
      { details: { codec, codestream: [size.width, size.height], header: [spec.cols, spec.rows] } },
    );
  }
}

function bytesToSamples(bytes: Uint8Array, bitsPerSample: number): Samples {
  if (bitsPerSample <= 8) return bytes.slice();
  const copy = bytes.slice();
  // WASM memory is little endian, like the platforms we run on.
  return new Uint16Array(copy.buffer, copy.byteOffset, copy.byteLength >> 1);
}

/** Runs an embind decoder object: copy in, decode, copy the result out of WASM memory. */
function runWasmDecoder(
  decoder: EmbindDecoder,
  frame: Uint8Array,
): { bytes: Uint8Array; info: { width: number; height: number; bitsPerSample: number; componentCount: number } } {
  const input: Uint8Array = decoder.getEncodedBuffer(frame.length);
  input.set(frame);
  decoder.decode();
  const info = decoder.getFrameInfo();
  const bytes: Uint8Array = decoder.getDecodedBuffer();
  return { bytes, info };
}

const decoders = new Map<string, EmbindDecoder>();
function resetDecoder(codec: CodecId): void {
  const name: WasmCodecName | undefined =
    codec === 'jpeg-2000' ? 'openjpeg' : codec === 'htj2k' ? 'openjph' : codec === 'jpeg-ls' ? 'charls' : undefined;
  if (!name) return;
  decoders.delete(name);
  resetWasmCodec(name);
}

async function decoderFor(codec: WasmCodecName): Promise<EmbindDecoder> {
  let d = decoders.get(codec);
  if (!d) {
    const m = await loadWasmCodec(codec);
    const Decoder = codec === 'openjpeg' ? m.J2KDecoder : codec === 'charls' ? m.JpegLSDecoder : m.HTJ2KDecoder;
    if (!Decoder) throw new DicomError('DECODE_FAILED', `the ${codec} codec module has no decoder class`);
    d = new Decoder();
    decoders.set(codec, d);
  }
  return d;
}

/**
 * Decodes one compressed frame. Throws DicomError (DECODE_FAILED, PIXEL_DATA_SIZE_MISMATCH, TRUNCATED).
 */
export async function decodeFrame(codec: CodecId, frame: Uint8Array, spec: FrameSpec): Promise<Samples> {
  const bytesPerSample = spec.bitsAllocated / 8;
  const expectedSamples = spec.rows * spec.cols * spec.samplesPerPixel;
  let out: Samples;
  try {
    switch (codec) {
      case 'rle': {
        const raw = decodeRleFrame(frame, spec.rows, spec.cols, spec.samplesPerPixel, bytesPerSample);
        out =
          bytesPerSample === 1
            ? raw
            : bytesPerSample === 2
              ? new Uint16Array(raw.buffer, raw.byteOffset, raw.byteLength >> 1)
              : new Uint32Array(raw.buffer, raw.byteOffset, raw.byteLength >> 2);
        break;
      }
      case 'jpeg-baseline-8':
      case 'jpeg-extended-12':
      case 'jpeg-lossless':
      case 'jpeg-ls': {
        const size = jpegSize(frame);
        checkDeclared(size, spec, codec);
        if (codec === 'jpeg-ls') {
          const r = runWasmDecoder(await decoderFor('charls'), frame);
          out = bytesToSamples(r.bytes, r.info.bitsPerSample);
        } else {
          out = await decodeIjgJpeg(frame, spec);
        }
        break;
      }
      case 'jpeg-2000':
      case 'htj2k': {
        checkDeclared(j2kSize(frame), spec, codec);
        const r = runWasmDecoder(await decoderFor(codec === 'htj2k' ? 'openjph' : 'openjpeg'), frame);
        out = bytesToSamples(r.bytes, r.info.bitsPerSample);
        break;
      }
      case 'native':
        throw new DicomError('DECODE_FAILED', 'native pixel data needs no codec');
    }
  } catch (e) {
    if (e instanceof DicomError && e.code !== 'DECODE_FAILED') throw e;
    resetDecoder(codec);
    if (e instanceof DicomError) throw e;
    const msg = e instanceof Error ? e.message : typeof e === 'number' ? `codec abort (${e})` : String(e);
    throw new DicomError('DECODE_FAILED', `${codec} decoder failed: ${msg}`, { cause: e, details: { codec } });
  }
  if (out.length !== expectedSamples) {
    throw new DicomError('PIXEL_DATA_SIZE_MISMATCH', `${codec} decoded ${out.length} samples, expected ${expectedSamples}`, {
      details: { codec, decoded: out.length, expected: expectedSamples },
    });
  }
  return out;
}
