/**
 * Decompression bombs for tests and benchmarks (Node only: built with node:zlib, never shipped
 * in the worker bundle). Each 1 MiB of zeros is deflated on its own and sync-flushed, so the
 * byte-aligned pieces can be repeated into one valid raw-deflate stream of any length: a ~1 MB
 * stream that inflates to ~1 GiB, in milliseconds instead of deflating a gigabyte.
 */
import { constants, deflateRawSync } from 'node:zlib';
import { part10 } from './dicom-writer';
import { buildZip } from './zip';

/** A raw-deflate stream of about `compressedBytes` that inflates to zeros, ~1,000x larger. */
export function deflateBomb(compressedBytes = 1_000_000): Uint8Array {
  const piece = deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  const repeats = Math.max(1, Math.floor(compressedBytes / piece.length));
  const out = new Uint8Array(piece.length * repeats + 2);
  for (let i = 0; i < repeats; i++) out.set(piece, i * piece.length);
  // A final, empty fixed-Huffman block ends the stream.
  out.set([0x03, 0x00], piece.length * repeats);
  return out;
}

/** How many bytes {@link deflateBomb} inflates to. */
export function bombInflatedSize(compressedBytes = 1_000_000): number {
  const piece = deflateRawSync(new Uint8Array(1 << 20), { level: 9, finishFlush: constants.Z_SYNC_FLUSH });
  return Math.max(1, Math.floor(compressedBytes / piece.length)) * (1 << 20);
}

/** A zip with one deflated entry that claims `declaredSize` bytes and inflates to ~1,000x its size. */
export function zipBomb(compressedBytes = 1_000_000, declaredSize = 1000): Uint8Array {
  return buildZip([{ name: 'bomb.dcm', data: new Uint8Array(0), deflate: true, compressed: deflateBomb(compressedBytes), declaredSize }]);
}

/** A Part 10 file in Deflated Explicit VR Little Endian whose dataset is a deflate bomb. */
export function deflatedDicomBomb(compressedBytes = 1_000_000): Uint8Array {
  return part10([], '1.2.840.10008.1.2.1.99', 'explicit-le', () => deflateBomb(compressedBytes));
}
