import { describe, expect, it } from 'vitest';
import {
  CamMismatchError,
  camOnSlice,
  framesPerWindow,
  isPlaceable,
  keySlices,
  nearestSlice,
  readNpyFloat32,
  sliceToWindow,
  stackOrder,
  windowToSlices,
  type SlicePlane,
} from '../src/evidence';
import type { CamGeometry } from '../src/result';

/** CAM [20, 8, 8], two windows of 10 frames, 15 valid: col → x 2 mm, row → y 2 mm, frame → z 1 mm from (-8, -8, 100). */
const up: CamGeometry = { shape: [20, 8, 8], validFrames: 15, affine: [2, 0, 0, -8, 0, 2, 0, -8, 0, 0, 1, 100] };
/** The same CAM with frames running down in z (z = 130 − frame): window 0 lies at the top of the stack. */
const down: CamGeometry = { ...up, affine: [2, 0, 0, -8, 0, 2, 0, -8, 0, 0, -1, 130] };
/** 40 axial slices, 1 mm apart from z = 95, 16 × 16 pixels of 1 mm. */
const planes: SlicePlane[] = Array.from({ length: 40 }, (_, k) => ({
  imagePositionPatient: [-8, -8, 95 + k],
  imageOrientationPatient: [1, 0, 0, 0, 1, 0],
  pixelSpacing: [1, 1],
}));

describe('window ↔ slice mapping through the CAM affine', () => {
  it('maps a window to the slices its frames lie on', () => {
    expect(windowToSlices(up, 2, 0, planes)).toEqual({ first: 5, centre: 9, last: 14 });
    // Window 1 holds only frames 10..14 (validFrames 15): the padding frames map to no slice.
    expect(windowToSlices(up, 2, 1, planes)).toEqual({ first: 15, centre: 17, last: 19 });
  });

  it('follows the affine, not the frame index, when frames run the other way', () => {
    // Frames 0..9 at z 130..121 → slices 26..35.
    expect(windowToSlices(down, 2, 0, planes)).toEqual({ first: 26, centre: 30, last: 35 });
    expect(sliceToWindow(down, 2, planes[33]!, 16, 16)).toBe(0);
    expect(sliceToWindow(up, 2, planes[33]!, 16, 16)).toBeNull();
  });

  it('maps a slice back to its window, and nothing outside the valid frames', () => {
    expect(sliceToWindow(up, 2, planes[7]!, 16, 16)).toBe(0);
    expect(sliceToWindow(up, 2, planes[17]!, 16, 16)).toBe(1);
    expect(sliceToWindow(up, 2, planes[0]!, 16, 16)).toBeNull(); // z 95: before frame 0
    expect(sliceToWindow(up, 2, planes[25]!, 16, 16)).toBeNull(); // z 120: a padding frame
    for (const w of [0, 1]) expect(sliceToWindow(up, 2, planes[windowToSlices(up, 2, w, planes)!.centre]!, 16, 16)).toBe(w);
  });

  it('refuses a CAM whose frames do not divide into the windows', () => {
    expect(framesPerWindow(3, up)).toBeNull();
    expect(windowToSlices(up, 3, 0, planes)).toBeNull();
    expect(sliceToWindow(up, 3, planes[7]!, 16, 16)).toBeNull();
  });

  it('puts a key image at the slice of the CAM maximum within the window', () => {
    const data = new Float32Array(20 * 8 * 8);
    data[(13 * 8 + 3) * 8 + 5] = 0.9; // frame 13 → z 113 → slice 18
    data[(18 * 8 + 1) * 8 + 1] = 5; // a padding frame: ignored
    data[(2 * 8 + 1) * 8 + 1] = 0.5; // frame 2, window 0 → z 102 → slice 7
    const windows = [
      { index: 1, probability: 0.9, slices: [] },
      { index: 0, probability: 0.4, slices: [] },
    ];
    const keys = keySlices(windows, 2, { data, geometry: up }, planes);
    expect(keys.map((k) => [k.windowIndex, k.slice])).toEqual([
      [1, 18],
      [0, 7],
    ]);
    expect(keys[0]!.point).toEqual([2, -2, 113]);
  });

  it('orders shuffled slices by position along the normal', () => {
    const shuffled = [planes[3]!, planes[0]!, planes[2]!, planes[1]!];
    expect(stackOrder(shuffled)).toEqual([1, 3, 2, 0]);
    expect(nearestSlice(shuffled, [0, 0, 96.4])).toBe(3);
  });
});

/** .npy v1.0 bytes of a C-order array. */
function npy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header = header.padEnd(Math.ceil((header.length + 11) / 64) * 64 - 11, ' ') + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, ...new TextEncoder().encode('NUMPY'), 1, 0, header.length & 255, header.length >> 8]);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

describe('readNpyFloat32', () => {
  it('reads float32 and uint8 CAMs', () => {
    const f = readNpyFloat32(npy('<f4', [1, 2, 2], new Uint8Array(new Float32Array([0, 0.5, 1, 2]).buffer)));
    expect(f.shape).toEqual([1, 2, 2]);
    expect([...f.data]).toEqual([0, 0.5, 1, 2]);
    expect([...readNpyFloat32(npy('|u1', [2, 1, 1], new Uint8Array([7, 255]))).data]).toEqual([7, 255]);
  });

  it('refuses other layouts with CAM_MISMATCH', () => {
    expect(() => readNpyFloat32(new Uint8Array(20))).toThrow(expect.objectContaining({ code: 'CAM_MISMATCH' }));
    expect(() => readNpyFloat32(npy('<f8', [1, 1, 1], new Uint8Array(8)))).toThrow(expect.objectContaining({ code: 'CAM_MISMATCH' }));
    expect(() => readNpyFloat32(npy('<f4', [2, 2], new Uint8Array(16)))).toThrow(expect.objectContaining({ code: 'CAM_MISMATCH' }));
    expect(() => readNpyFloat32(npy('<f4', [4, 2, 2], new Uint8Array(16)))).toThrow(expect.objectContaining({ code: 'CAM_MISMATCH' }));
  });
});

describe('isPlaceable', () => {
  it('accepts an invertible affine and refuses a singular or non-finite one, which camOnSlice cannot place', () => {
    expect(isPlaceable(up)).toBe(true);
    expect(isPlaceable(down)).toBe(true);
    // The frame axis repeats the column axis: rank 2, no inverse.
    const singular: CamGeometry = { ...up, affine: [2, 0, 2, -8, 0, 2, 0, -8, 0, 0, 0, 100] };
    const nan: CamGeometry = { ...up, affine: [2, 0, 0, Number.NaN, 0, 2, 0, -8, 0, 0, 1, 100] };
    expect(isPlaceable(singular)).toBe(false);
    expect(isPlaceable(nan)).toBe(false);
    expect(isPlaceable({ affine: up.affine.slice(0, 11) })).toBe(false);
    const data = new Float32Array(20 * 8 * 8);
    expect(() => camOnSlice({ data, shape: up.shape, geometry: singular }, planes[10]!, 16, 16)).toThrow(CamMismatchError);
    expect(camOnSlice({ data, shape: up.shape, geometry: up }, planes[10]!, 16, 16)).toHaveLength(256);
  });
});
