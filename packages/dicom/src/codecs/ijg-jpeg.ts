/**
 * Every JPEG process DICOM uses (baseline 8-bit, extended 12-bit, spectral selection,
 * progressive, lossless 14 and SV1) through dcmjs-codecs: the IJG 8/12/16-bit libraries that
 * DCMTK ships, compiled to WASM. One decoder for all of them gives results bit-identical to
 * DCMTK's `dcmdjpeg`, the reference our tests use. (The pure-JS alternatives were checked and
 * rejected: jpeg-lossless-decoder-js 2.1.2 drops the last pixel of a signed 16-bit SV1 frame,
 * and the 12-bit DCT decoder bundled with cornerstone's image loader is off by about 15
 * stored values on the same slice.)
 *
 * dcmjs-codecs compiles its WASM from bytes at run time, which Cloudflare Workers forbid, so
 * JPEG pixel decoding runs on Node (the runner); Workers only need header parsing.
 */
import { DicomError } from '../errors';
import type { FrameSpec, Samples } from './frame';

interface CodecsModule {
  NativeCodecs: {
    initializeAsync(opts: { webAssemblyModulePathOrUrl: string; logCodecsInfo?: boolean; logCodecsTrace?: boolean }): Promise<void>;
    decodeJpeg(ctx: unknown, params?: Record<string, unknown>): { getDecodedBuffer(): Uint8Array | undefined };
  };
  Context: new (attrs: Record<string, unknown>) => unknown;
}

let ready: Promise<CodecsModule> | undefined;

async function load(): Promise<CodecsModule> {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const mod = require('dcmjs-codecs') as CodecsModule & { log?: { setLevel(l: string): void } };
  // The library logs through loglevel; keep the CLI's stdout clean.
  mod.log?.setLevel('silent');
  const wasm = require.resolve('dcmjs-codecs').replace(/dcmjs-codecs(\.min)?\.js$/, 'dcmjs-native-codecs.wasm');
  await mod.NativeCodecs.initializeAsync({ webAssemblyModulePathOrUrl: wasm, logCodecsInfo: false, logCodecsTrace: false });
  return mod;
}

/** Decodes one JPEG frame of any DICOM JPEG process. */
export async function decodeIjgJpeg(
  frame: Uint8Array,
  spec: FrameSpec & { bitsStored: number; pixelRepresentation: number; photometric: string },
): Promise<Samples> {
  ready ??= load().catch((e) => {
    ready = undefined;
    throw new DicomError('DECODE_FAILED', `cannot load the JPEG codec: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  });
  const { NativeCodecs, Context } = await ready;
  const ctx = new Context({
    width: spec.cols,
    height: spec.rows,
    bitsAllocated: spec.bitsAllocated,
    bitsStored: spec.bitsStored,
    samplesPerPixel: spec.samplesPerPixel,
    pixelRepresentation: spec.pixelRepresentation,
    planarConfiguration: 0,
    photometricInterpretation: spec.photometric,
    encodedBuffer: frame,
  });
  let out: Uint8Array | undefined;
  try {
    out = NativeCodecs.decodeJpeg(ctx, { convertColorspaceToRgb: false }).getDecodedBuffer();
  } catch (e) {
    // A module that aborted stays unusable; load a fresh one for the next frame.
    ready = undefined;
    throw e;
  }
  if (!out) throw new DicomError('DECODE_FAILED', 'JPEG decoder returned no pixels');
  // dcmjs-codecs already copies the pixels out of WASM memory (a fresh array, offset 0): no second
  // copy unless a view would be misaligned.
  if (spec.bitsAllocated <= 8) return out;
  const aligned = out.byteOffset % 2 === 0 ? out : out.slice();
  return new Uint16Array(aligned.buffer, aligned.byteOffset, aligned.byteLength >> 1);
}
