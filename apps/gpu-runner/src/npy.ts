/**
 * NumPy .npy (format 1.0) writing. Written by hand: the format is a 10-byte preamble plus a
 * Python-literal header, and no maintained npm package writes it without pulling in a tensor library.
 */
import { writeFile } from 'node:fs/promises';

/** Encodes a float32 array of `shape` as .npy bytes (little endian, C order). */
export function encodeNpyFloat32(data: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`npy: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so the data starts on a 64-byte boundary, as NumPy writes it.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Writes a float32 .npy file. */
export async function writeNpyFloat32(file: string, data: Float32Array, shape: readonly number[]): Promise<void> {
  await writeFile(file, encodeNpyFloat32(data, shape));
}
