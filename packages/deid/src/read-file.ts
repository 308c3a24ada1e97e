/**
 * Reading Files without reading them whole when not needed: the per-instance limit is checked
 * on File.size before any byte is read, and a scan reads a prefix (the header) first.
 */
import { DeidError } from './errors';
import {
  deidentifyBuffer,
  scanBuffer,
  type DeidentifiedInstance,
  type DeidOptions,
  type InstanceHeader,
  type RemovedAttribute,
} from './deidentify';

import { DEFAULT_MAX_INSTANCE_BYTES } from './limits';

export { DEFAULT_MAX_INSTANCE_BYTES };

/** How much of a file a scan reads first; headers of CT slices are a few KB. */
export const SCAN_PREFIX_BYTES = 256 * 1024;

/** Options of {@link scanFile} and {@link deidentifyFile}. */
export interface FileOptions extends DeidOptions {
  maxInstanceBytes?: number;
}

/** A file to read: a browser File, or anything with the same three members. */
export interface FileLike {
  readonly name: string;
  readonly size: number;
  slice(start?: number, end?: number): Blob;
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** True when bytes 128–131 are `DICM`, the Part 10 preamble's magic. */
export function isPart10(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength < 132) return false;
  const b = new Uint8Array(buffer, 128, 4);
  return b[0] === 0x44 && b[1] === 0x49 && b[2] === 0x43 && b[3] === 0x4d;
}

function checkSize(file: FileLike, options: FileOptions): void {
  const max = options.maxInstanceBytes ?? DEFAULT_MAX_INSTANCE_BYTES;
  if (file.size > max) {
    throw new DeidError('TOO_LARGE', `${file.name}: ${file.size} bytes is over the ${max}-byte limit per instance`, {
      size: file.size,
      limit: max,
    });
  }
  if (file.size < 132) throw new DeidError('NOT_DICOM', `${file.name}: too short to be a DICOM Part 10 file`);
}

/**
 * Reads a file's header and reports what de-identification would remove.
 * @throws DeidError TOO_LARGE (before reading), NOT_DICOM, NOT_CT, BURNED_IN, MISSING_UID, NO_PIXEL_DATA
 */
export async function scanFile(
  file: FileLike,
  options: FileOptions = {},
): Promise<{ header: InstanceHeader; removed: RemovedAttribute[] }> {
  checkSize(file, options);
  const opts = { ...options, source: file.name };
  const prefix = await file.slice(0, Math.min(file.size, SCAN_PREFIX_BYTES)).arrayBuffer();
  if (!isPart10(prefix)) throw new DeidError('NOT_DICOM', `${file.name}: no DICM preamble; not a DICOM Part 10 file`);
  if (file.size > SCAN_PREFIX_BYTES) {
    try {
      return scanBuffer(prefix, opts);
    } catch (e) {
      // A header longer than the prefix reads as truncated: read the whole (bounded) file.
      if (!(e instanceof DeidError) || e.code !== 'NOT_DICOM') throw e;
    }
  }
  return scanBuffer(file.size > SCAN_PREFIX_BYTES ? await file.arrayBuffer() : prefix, opts);
}

/**
 * Reads and de-identifies a whole file.
 * @throws DeidError as {@link scanFile}
 */
export async function deidentifyFile(file: FileLike, options: FileOptions = {}): Promise<DeidentifiedInstance> {
  checkSize(file, options);
  return deidentifyBuffer(await file.arrayBuffer(), { ...options, source: file.name });
}
