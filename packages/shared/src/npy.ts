/**
 * Reads the runner's CAM artifact (`cam.npy`, C order, shape [windows × 10, H, W]): uint8
 * (0..255, what the runner writes) or float32. A few lines for two dtypes; the bytes are bounded
 * by the artifact size limit upstream. Zod-free and Node-free, so the browser viewer uses it too.
 */
import { EmbolusError } from './errors';

/** The .npy bytes are not a 3-D uint8 or float32 C-order array. */
export class NpyFormatError extends EmbolusError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('CAM_MISMATCH', message, { details });
  }
}

/** The values (as float32) and shape of .npy bytes. @throws NpyFormatError (code CAM_MISMATCH) for any other layout. */
export function readNpyFloat32(bytes: Uint8Array): { data: Float32Array; shape: number[] } {
  if (bytes.length < 12 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY')
    throw new NpyFormatError('the CAM artifact is not a .npy file');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = (major === 1 ? 10 : 12) + headerLen;
  if (headerLen > 65_536) throw new NpyFormatError('the CAM artifact has an implausibly long .npy header', { headerLen });
  // The header is ASCII (NEP 1); decoded by hand so the module needs neither DOM nor Node types.
  const header = String.fromCharCode(...bytes.subarray(major === 1 ? 10 : 12, Math.min(start, bytes.length)));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const itemSize = descr === '<f4' ? 4 : descr === '|u1' ? 1 : 0;
  if (!itemSize || /'fortran_order':\s*True/.test(header))
    throw new NpyFormatError('the CAM artifact must be uint8 or little-endian float32 in C order');
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length !== 3 || !shape.every((n) => Number.isInteger(n) && n > 0) || start + count * itemSize > bytes.length) {
    throw new NpyFormatError('the CAM artifact has an unexpected shape or length', { shape });
  }
  // Copy: the source may not be 4-byte aligned.
  const data =
    itemSize === 4
      ? new Float32Array(bytes.slice(start, start + count * 4).buffer)
      : Float32Array.from(bytes.subarray(start, start + count));
  return { data, shape };
}
