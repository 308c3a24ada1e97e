/**
 * Key images as PNG (lossless: the burned-in warning and the overlay's colours stay exact), with
 * fast-png (pure JS, deflate by fflate).
 */
import { encode } from 'fast-png';

/** PNG bytes of an interleaved RGB raster. */
export function rgbToPng(rgb: Uint8Array, rows: number, cols: number): Uint8Array {
  return encode({ width: cols, height: rows, data: rgb, channels: 3, depth: 8 });
}

/** Base64 of bytes (btoa over 32 KiB chunks: runs on Node and in Workers). */
export function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}
