/** Shared fixtures: small, fast study options and a decoder into HU volumes. */
import { decodeDicom } from '@embolus/dicom';
import type { PhantomStudy, StudyOptions } from '../src/index';

/** A study small enough to generate in tens of milliseconds. */
export const SMALL: Omit<StudyOptions, 'seed'> = { preset: 'demo', matrix: 96, slices: 48, sliceThicknessMm: 2.5 };

/** Decodes every file of a study into one HU volume [slices, rows, cols] (files are in ascending z). */
export async function decodeStudy(study: PhantomStudy): Promise<Float32Array> {
  const [, rows, cols] = study.truth.shape;
  const vol = new Float32Array(study.files.length * rows * cols);
  for (const [k, f] of study.files.entries()) {
    const img = await decodeDicom(f.bytes, { source: `slice-${k}` });
    vol.set(img.hu, k * rows * cols);
  }
  return vol;
}

/** HU of the voxel nearest to a patient-space point. */
export function huAt(study: PhantomStudy, vol: Float32Array, p: [number, number, number]): number {
  const [k, i, j] = study.truth.voxelOf(p);
  const [, rows, cols] = study.truth.shape;
  const v = vol[(k * rows + i) * cols + j];
  if (v === undefined) throw new RangeError(`voxel ${k},${i},${j} is outside the volume`);
  return v;
}

/** Median of a list of numbers. */
export function median(values: ArrayLike<number>): number {
  const s = Float64Array.from(values).sort();
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
