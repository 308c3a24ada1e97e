/**
 * NumPy .npy (format 1.0) reading and writing for float32 and uint8 arrays. Written by hand: the
 * format is a 10-byte preamble plus a Python-literal header, and no maintained npm package
 * handles it without a tensor library.
 */
import { open, readFile } from 'node:fs/promises';
import { PreprocessError } from '../errors';

export type NpyArray = Float32Array | Uint8Array;

/** The .npy preamble and header of a float32 or uint8 array of `shape` (little endian, C order). */
function npyHeader(data: NpyArray, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new PreprocessError('INVALID_CONFIG', `npy: shape [${shape.join(', ')}] holds ${count} values, data has ${data.length}`);
  const descr = data instanceof Float32Array ? '<f4' : '|u1';
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  // Pad so the data starts on a 64-byte boundary, as NumPy writes it.
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  return out;
}

const bytesOf = (data: NpyArray) => new Uint8Array(data.buffer, data.byteOffset, data.byteLength);

/** Encodes a float32 or uint8 array of `shape` as .npy bytes (little endian, C order). */
export function encodeNpy(data: NpyArray, shape: readonly number[]): Uint8Array {
  const header = npyHeader(data, shape);
  const out = new Uint8Array(header.length + data.byteLength);
  out.set(header, 0);
  out.set(bytesOf(data), header.length);
  return out;
}

/** Decodes .npy bytes holding float32 or uint8 data. */
export function decodeNpy(bytes: Uint8Array): { data: NpyArray; shape: number[] } {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') throw new PreprocessError('CACHE_IO', 'not a .npy file');
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset).getUint16(8, true);
  const header = String.fromCharCode(...bytes.subarray(10, 10 + headerLen));
  const descr = /'descr': '([^']+)'/.exec(header)?.[1];
  const shape = (/'shape': \(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const body = bytes.slice(10 + headerLen);
  if (descr === '<f4') return { data: new Float32Array(body.buffer, body.byteOffset, body.byteLength / 4), shape };
  if (descr === '|u1') return { data: body, shape };
  throw new PreprocessError('CACHE_IO', `unsupported .npy dtype ${descr}`);
}

/** Writes a .npy file: the header, then the array's own bytes (no copy of a model-input-sized tensor). */
export async function writeNpy(file: string, data: NpyArray, shape: readonly number[]): Promise<void> {
  const header = npyHeader(data, shape);
  const fh = await open(file, 'w');
  try {
    // writeFile on a handle writes all of it, from the current position.
    await fh.writeFile(header);
    await fh.writeFile(bytesOf(data));
  } finally {
    await fh.close();
  }
}

export async function readNpy(file: string): Promise<{ data: NpyArray; shape: number[] }> {
  const b = await readFile(file);
  return decodeNpy(new Uint8Array(b.buffer, b.byteOffset, b.byteLength));
}

/** Quantizes [0, 1] values to uint8 (value = u8 / 255, error ≤ 0.002): the cache's storage format. */
export function quantizeUint8(data: Float32Array): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = Math.round(data[i]! * 255);
  return out;
}
