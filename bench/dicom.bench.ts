/**
 * DICOM decoding throughput: `npm run bench:dicom`.
 *
 * Decodes (parse + pixel decode + HU) the real 30-slice chest CT, then a synthetic 300-slice
 * 512×512 CT series in every transfer syntax we can encode here (encoders: this repo's test
 * writer for native/deflate, dcmjs-codecs for RLE, JPEG, JPEG-LS, JPEG 2000 and HTJ2K).
 * Decoding runs on one thread. Prints slices/s (median of 3 runs) and writes
 * bench/results/dicom.json. Targets: ≥ 400 uncompressed and ≥ 60 JPEG-lossless slices/s.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'fflate';
import { decodeDicom } from '@embolus/dicom';
import { ctImage, part10, type Encoding } from '@embolus/testkit';
import { writeBenchResult } from '@embolus/local-stack/stats';

const require = createRequire(import.meta.url);
const SLICES = 300;
const UNIQUE = 12; // distinct slices encoded; the series repeats them (decode cost is per slice)
const RUNS = 3;
const SHARED = path.resolve(import.meta.dirname, '../../shared/data/chest-ct/lungpetctdx_A0002_chest_noncon_8mm_B40f');

/** A CT-like 512² slice: air, body, lungs, spine, noise. Stored = HU + 1024, 12 bits. */
function syntheticSlice(k: number): Uint16Array {
  const n = 512;
  const out = new Uint16Array(n * n);
  let seed = 12345 + k * 7919;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5) * 2;
  for (let y = 0; y < n; y++) {
    for (let x = 0; x < n; x++) {
      const bx = (x - 256) / 200;
      const by = (y - 266) / 150;
      let hu = -1000;
      if (bx * bx + by * by < 1) {
        hu = 40 + 15 * rand();
        const lx = (Math.abs(x - 256) - 95) / 60;
        const ly = (y - 250 - k * 0.3) / 95;
        if (lx * lx + ly * ly < 1) hu = -850 + 25 * rand();
        if ((x - 256) ** 2 + (y - 380) ** 2 < 22 ** 2) hu = 700 + 40 * rand();
      } else hu += 5 * rand();
      out[y * n + x] = Math.max(0, Math.round(hu + 1024));
    }
  }
  return out;
}

interface CodecsApi {
  NativeCodecs: { initializeAsync(o: object): Promise<void> } & Record<
    string,
    (ctx: unknown, p?: object) => { getEncodedBuffer(): Uint8Array }
  >;
  Context: new (a: object) => unknown;
}

async function encoders() {
  const c = require('dcmjs-codecs') as CodecsApi & { log: { setLevel(l: string): void } };
  c.log.setLevel('silent');
  await c.NativeCodecs.initializeAsync({
    webAssemblyModulePathOrUrl: require.resolve('dcmjs-codecs').replace(/dcmjs-codecs(\.min)?\.js$/, 'dcmjs-native-codecs.wasm'),
  });
  return (method: string, params: object) => (pixels: Uint16Array) => {
    const ctx = new c.Context({
      width: 512,
      height: 512,
      bitsAllocated: 16,
      bitsStored: 12,
      samplesPerPixel: 1,
      pixelRepresentation: 0,
      planarConfiguration: 0,
      photometricInterpretation: 'MONOCHROME2',
      decodedBuffer: new Uint8Array(pixels.buffer.slice(0)),
    });
    return c.NativeCodecs[method]!(ctx, params).getEncodedBuffer().slice();
  };
}

type Variant = { name: string; uid: string; encoding?: Encoding; deflate?: boolean; encode?: (p: Uint16Array) => Uint8Array };

function makeFile(v: Variant, pixels: Uint16Array, k: number): Uint8Array {
  const els = ctImage({
    rows: 512,
    cols: 512,
    pixels,
    bitsStored: 12,
    position: [0, 0, k],
    instance: k + 1,
    extra: [
      { tag: 0x00281052, vr: 'DS', value: '-1024' },
      { tag: 0x00281053, vr: 'DS', value: '1' },
    ],
  });
  if (v.encode) {
    const px = els.find((e) => e.tag === 0x7fe00010)!;
    px.vr = 'OB';
    px.value = { frames: [v.encode(pixels)] };
  }
  return part10(els, v.uid, v.encoding ?? 'explicit-le', v.deflate ? (body) => deflateSync(body) : undefined);
}

async function timeSeries(files: Uint8Array[]): Promise<number> {
  const times: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (const f of files) await decodeDicom(f);
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[1]!;
}

const enc = await encoders();
const variants: Variant[] = [
  { name: 'Explicit VR Little Endian', uid: '1.2.840.10008.1.2.1' },
  { name: 'Implicit VR Little Endian', uid: '1.2.840.10008.1.2', encoding: 'implicit-le' },
  { name: 'Explicit VR Big Endian', uid: '1.2.840.10008.1.2.2', encoding: 'explicit-be' },
  { name: 'Deflated Explicit VR LE', uid: '1.2.840.10008.1.2.1.99', deflate: true },
  { name: 'RLE Lossless', uid: '1.2.840.10008.1.2.5', encode: enc('encodeRle', {}) },
  { name: 'JPEG Lossless SV1', uid: '1.2.840.10008.1.2.4.70', encode: enc('encodeJpeg', { lossy: false, predictor: 1 }) },
  { name: 'JPEG Extended 12-bit', uid: '1.2.840.10008.1.2.4.51', encode: enc('encodeJpeg', { lossy: true, quality: 90 }) },
  { name: 'JPEG-LS Lossless', uid: '1.2.840.10008.1.2.4.80', encode: enc('encodeJpegLs', { lossy: false }) },
  { name: 'JPEG-LS Near-Lossless', uid: '1.2.840.10008.1.2.4.81', encode: enc('encodeJpegLs', { lossy: true, allowedLossyError: 2 }) },
  { name: 'JPEG 2000 Lossless', uid: '1.2.840.10008.1.2.4.90', encode: enc('encodeJpeg2000', { lossy: false }) },
  { name: 'JPEG 2000', uid: '1.2.840.10008.1.2.4.91', encode: enc('encodeJpeg2000', { lossy: true, rate: 10 }) },
  { name: 'HTJ2K Lossless', uid: '1.2.840.10008.1.2.4.201', encode: enc('encodeHtJpeg2000', { lossy: false }) },
];

const slices = Array.from({ length: UNIQUE }, (_, k) => syntheticSlice(k));
const results: Record<string, { slicesPerSecond: number; msPerSlice: number; mbPerSlice: number; slices: number }> = {};
console.log(`node ${process.version}, ${os.cpus()[0]?.model ?? 'cpu'}; decode on one thread, median of ${RUNS}`);

const chest = readdirSync(SHARED)
  .sort()
  .map((f) => new Uint8Array(readFileSync(path.join(SHARED, f))));
const chestMs = await timeSeries(chest);
results['real chest CT (Explicit VR LE, 30 slices)'] = {
  slicesPerSecond: (chest.length / chestMs) * 1000,
  msPerSlice: chestMs / chest.length,
  mbPerSlice: chest[0]!.length / 2 ** 20,
  slices: chest.length,
};

for (const v of variants) {
  let unique: Uint8Array[];
  try {
    unique = slices.map((p, k) => makeFile(v, p, k));
  } catch (e) {
    console.log(`${v.name.padEnd(28)} cannot encode here: ${(e as Error).message}`);
    continue;
  }
  const files = Array.from({ length: SLICES }, (_, i) => unique[i % UNIQUE]!);
  const ms = await timeSeries(files);
  results[v.name] = {
    slicesPerSecond: (SLICES / ms) * 1000,
    msPerSlice: ms / SLICES,
    mbPerSlice: unique[0]!.length / 2 ** 20,
    slices: SLICES,
  };
}
for (const [name, r] of Object.entries(results)) {
  console.log(
    `${name.padEnd(42)} ${r.slicesPerSecond.toFixed(0).padStart(6)} slices/s  ` +
      `${r.msPerSlice.toFixed(2).padStart(7)} ms/slice  ${r.mbPerSlice.toFixed(3)} MB/slice`,
  );
}
writeBenchResult('dicom', { date: new Date().toISOString(), node: process.version, cpu: os.cpus()[0]?.model, runs: RUNS, results });
