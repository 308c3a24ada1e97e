import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AnalysisResultSchema, STUDY_LABELS, type AnalysisResult } from '@embolus/shared';

const exec = promisify(execFile);

/** .npy bytes of a float32 array (format 1.0), as the runner writes cam.npy. */
export function encodeNpyFloat32(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat((64 - ((11 + header.length) % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/**
 * A result over `sops` (one series, windows of 10 slices): window 3 (or the last) is the PE
 * window; label i has probability 0.05 + 0.1 i against 0.5.
 */
export function syntheticResult(studyUid: string, seriesUid: string, sops: string[]): AnalysisResult {
  const windows: AnalysisResult['windows'] = [];
  for (let i = 0; i * 10 < sops.length; i++) {
    const slices = sops.slice(i * 10, i * 10 + 10).map((s, _, a) => ({ sopInstanceUid: s, fraction: 1 / a.length }));
    windows.push({ index: i, probability: i === 3 ? 0.91 : 0.1 + 0.01 * i, decision: i === 3, slices });
  }
  return AnalysisResultSchema.parse({
    schemaVersion: 1,
    studyInstanceUid: studyUid,
    seriesInstanceUid: seriesUid,
    labels: Object.fromEntries(
      STUDY_LABELS.map((l, i) => [l, { probability: 0.05 + i * 0.1, threshold: 0.5, decision: 0.05 + i * 0.1 > 0.5 }]),
    ),
    windows,
    attention: Object.fromEntries(STUDY_LABELS.map((l) => [l, windows.map(() => 1 / windows.length)])),
    exam: { decision: 'positive', reason: 'window 3 probability ≥ the window threshold: PE reported', windowThreshold: 0.5, overrides: [] },
    consistency: { violations: [], repaired: false, changed: [] },
    model: { version: 'demo-1.0.0', sha256: 'a'.repeat(64), trainedOn: 'synthetic phantoms', notForClinicalUse: true },
    timings: {},
    warnings: [],
  });
}

/** A CAM volume for `windows` windows of 24² with a hot block in window 3's frames. */
export function syntheticCam(windows: number): Uint8Array {
  const frames = windows * 10;
  const cam = new Float32Array(frames * 24 * 24);
  for (let f = 30; f < Math.min(40, frames); f++) for (let y = 8; y < 16; y++) for (let x = 8; x < 16; x++) cam[f * 576 + y * 24 + x] = 1;
  return encodeNpyFloat32(cam, [frames, 24, 24]);
}

/** pdftotext (poppler-utils) of PDF bytes, in reading order. */
export async function pdfText(pdf: Uint8Array, dir: string, name = 'report.pdf'): Promise<string> {
  const file = path.join(dir, name);
  writeFileSync(file, pdf);
  return (await exec('pdftotext', ['-enc', 'UTF-8', file, '-'])).stdout;
}

/** The image rows of `pdfimages -list` (poppler-utils): width, height, colour, bits per component. */
export async function pdfImages(
  pdf: Uint8Array,
  dir: string,
  name = 'images.pdf',
): Promise<{ type: string; width: number; height: number; color: string; bpc: number }[]> {
  const file = path.join(dir, name);
  writeFileSync(file, pdf);
  const out = (await exec('pdfimages', ['-list', file])).stdout;
  // page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
  return out
    .split('\n')
    .slice(2)
    .filter((l) => l.trim())
    .map((l) => l.trim().split(/\s+/))
    .map((c) => ({ type: c[2]!, width: Number(c[3]), height: Number(c[4]), color: c[5]!, bpc: Number(c[7]) }));
}
