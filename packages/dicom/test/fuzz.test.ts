/**
 * Fuzzing: a few thousand mutations of real corpus files (truncations, bit flips, corrupted
 * length fields, lying dimensions). Every case must end in a result or a typed DicomError,
 * within a time limit, without the worker's memory growing past a bound.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '@embolus/testkit';
import { readShared } from './corpus-paths';

const SEEDS = [
  'dicom-corpus/pydicom_test_files/CT_small.dcm',
  'dicom-corpus/pydicom_test_files/MR_small_bigendian.dcm',
  'dicom-corpus/pydicom_test_files/MR_small_implicit.dcm',
  'dicom-corpus/pydicom_test_files/MR_small_RLE.dcm',
  'dicom-corpus/pydicom_test_files/MR_small_jpeg_ls_lossless.dcm',
  'dicom-corpus/pydicom_test_files/MR_small_jp2klossless.dcm',
  'dicom-corpus/pydicom_test_files/JPEG-lossy.dcm',
  'dicom-corpus/pydicom_test_files/JPGExtended.dcm',
  'dicom-corpus/pydicom_test_files/image_dfl.dcm',
  'dicom-corpus/pydicom_test_files/JPEG2000.dcm',
  'dicom-corpus/pydicom_test_files/JPEGLSNearLossless_16.dcm',
  'dicom-corpus/pydicom_test_files/SC_rgb_small_odd.dcm',
  'dicom-corpus/pydicom_data/HTJ2K_08_RGB.dcm',
  'dicom-corpus/pydicom_data/liver.dcm',
  'dicom-corpus/dicomparser_encapsulation/encapsulated__multi-frame__CT0012.fragmented_no_bot_jpeg_ls.80.dcm',
  'dicom-corpus/cornerstone_CTImage_all_transfer_syntaxes/CTImage.dcm_JPEGProcess14SV1TransferSyntax_1.2.840.10008.1.2.4.70.dcm',
  'dicom-corpus/orthanc_tests/2026-05-26-oob-monochrome-65535.dcm',
];
const CASES_PER_SEED = 300;
const CASE_TIMEOUT_MS = 10_000;
const MAX_ARRAY_BUFFERS = 1.5 * 2 ** 30;

/** Offsets of a tag's 4 bytes, little-endian, in the file (candidates for length corruption). */
function tagOffsets(b: Uint8Array, group: number, element: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + 4 <= b.length; i++) {
    if (b[i] === (group & 0xff) && b[i + 1] === group >> 8 && b[i + 2] === (element & 0xff) && b[i + 3] === element >> 8) out.push(i);
  }
  return out;
}

const INTERESTING = [
  [0x7fe0, 0x0010],
  [0x0028, 0x0010],
  [0x0028, 0x0011],
  [0x0028, 0x0008],
  [0x0028, 0x0100],
  [0x0002, 0x0010],
  [0xfffe, 0xe000],
  [0x0008, 0x0005],
] as const;

function mutate(src: Uint8Array, r: () => number, offsets: number[]): { bytes: Uint8Array; how: string } {
  const kind = Math.floor(r() * 4);
  if (kind === 0) {
    const at = Math.floor(r() * src.length);
    return { bytes: src.slice(0, at), how: `truncate@${at}` };
  }
  const b = src.slice();
  if (kind === 1) {
    const flips = 1 + Math.floor(r() * 8);
    for (let i = 0; i < flips; i++) {
      const at = Math.floor(r() * b.length);
      b[at]! ^= 1 << Math.floor(r() * 8);
    }
    return { bytes: b, how: `flip×${flips}` };
  }
  if (kind === 2 && offsets.length > 0) {
    // Corrupt the length (or VR+length) right after a structural tag.
    const at = offsets[Math.floor(r() * offsets.length)]! + 4 + Math.floor(r() * 5);
    const value = r() < 0.5 ? 0xff : Math.floor(r() * 256);
    for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = r() < 0.7 ? value : Math.floor(r() * 256);
    return { bytes: b, how: `length@${at}` };
  }
  const at = Math.floor(r() * b.length);
  for (let i = 0; i < 16 && at + i < b.length; i++) b[at + i] = Math.floor(r() * 256);
  return { bytes: b, how: `scramble@${at}` };
}

describe('fuzzing the decoder', () => {
  it(`${SEEDS.length * CASES_PER_SEED} mutated files: no crash, no hang, bounded memory`, async () => {
    let worker = new Worker(new URL('./fuzz-worker-boot.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
    const failures: string[] = [];
    const codes = new Map<string, number>();
    let maxBuffers = 0;
    let id = 0;
    const runCase = (
      bytes: Uint8Array,
    ): Promise<{ kind: string; code?: string; message?: string; arrayBuffers: number } | 'timeout' | 'crash'> =>
      new Promise((resolve) => {
        const myId = ++id;
        const timer = setTimeout(() => done('timeout'), CASE_TIMEOUT_MS);
        const onMsg = (m: { id: number; kind: string; arrayBuffers: number }) => m.id === myId && done(m);
        const onErr = () => done('crash');
        function done(v: Parameters<typeof resolve>[0]) {
          clearTimeout(timer);
          worker.off('message', onMsg);
          worker.off('error', onErr);
          worker.off('exit', onErr);
          resolve(v);
        }
        worker.on('message', onMsg);
        worker.on('error', onErr);
        worker.on('exit', onErr);
        worker.postMessage({ id: myId, bytes });
      });
    for (const [s, seed] of SEEDS.entries()) {
      const src = readShared(seed);
      const offsets = INTERESTING.flatMap(([g, e]) => tagOffsets(src, g, e));
      const r = mulberry32(1000 + s);
      for (let c = 0; c < CASES_PER_SEED; c++) {
        const { bytes, how } = mutate(src, r, offsets);
        const out = await runCase(bytes);
        if (out === 'timeout' || out === 'crash') {
          failures.push(`${seed} ${how}: ${out}`);
          await worker.terminate();
          worker = new Worker(new URL('./fuzz-worker-boot.mjs', import.meta.url), { resourceLimits: { maxOldGenerationSizeMb: 1024 } });
          continue;
        }
        maxBuffers = Math.max(maxBuffers, out.arrayBuffers);
        if (out.kind === 'untyped') failures.push(`${seed} ${how}: untyped ${out.message}`);
        const key = out.kind === 'ok' ? 'ok' : (out.code ?? out.kind);
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
    }
    await worker.terminate();
    console.log(
      'fuzz outcomes',
      Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])),
      'max arrayBuffers MiB',
      (maxBuffers / 2 ** 20).toFixed(1),
    );
    expect(failures).toEqual([]);
    expect(maxBuffers).toBeLessThan(MAX_ARRAY_BUFFERS);
    // The mutations must exercise both paths: some files still decode, many are refused.
    expect(codes.get('ok') ?? 0).toBeGreaterThan(100);
    expect([...codes.keys()].length).toBeGreaterThan(5);
  }, 600_000);
});
