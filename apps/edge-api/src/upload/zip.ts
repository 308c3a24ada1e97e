/**
 * A defensive zip reader for batch uploads. It reads the central directory, never trusts
 * declared sizes (inflating stops at the limit, whatever the header says), refuses zip64,
 * encryption, overlapping entries (the "non-recursive zip bomb" trick) and nested archives (they
 * are just not DICOM), and never touches a file system: entry names are labels only, and unsafe
 * ones are refused outright.
 *
 * Extraction is bounded and cooperative: output comes in chunks of at most a few MiB (the
 * inflater is fed small slices) and stops the moment it passes the entry's declared size, and
 * the work pauses for the event loop every {@link YIELD_EVERY_BYTES}, so one large but legal
 * archive cannot stall every other request for seconds.
 */
import { inflateRawChunks } from '@embolus/dicom';

/** Why an archive or one entry cannot be read. */
export type ZipProblem =
  | 'ZIP_MALFORMED'
  | 'ZIP_UNSUPPORTED'
  | 'TOO_MANY_ENTRIES'
  | 'ENTRY_TOO_LARGE'
  | 'ENTRY_CORRUPT'
  | 'ENTRY_ENCRYPTED'
  | 'UNSAFE_PATH';

/** An archive- or entry-level failure. */
export class ZipReadError extends Error {
  constructor(
    readonly problem: ZipProblem,
    message: string,
  ) {
    super(message);
  }
}

/** One central-directory entry. */
export interface ZipEntry {
  index: number;
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  uncompressedSize: number;
  /** Where the entry's data starts (after its local header). */
  dataOffset: number;
  isDirectory: boolean;
}

const EOCD = 0x06054b50;
const CDH = 0x02014b50;
const LFH = 0x04034b50;

/** True when the bytes start like a zip archive (a local header or an empty archive). */
export function looksLikeZip(b: Uint8Array): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && (b[2] === 3 || b[2] === 5) && (b[3] === 4 || b[3] === 6);
}

/**
 * Reads the central directory. @throws ZipReadError for archives that cannot be read safely.
 */
export function readZipDirectory(b: Uint8Array, limits: { maxEntries: number; maxTotalBytes: number }): ZipEntry[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const u16 = (at: number) => dv.getUint16(at, true);
  const u32 = (at: number) => dv.getUint32(at, true);
  let eocd = -1;
  for (let at = b.length - 22; at >= Math.max(0, b.length - 22 - 0xffff); at--) {
    if (u32(at) === EOCD) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) throw new ZipReadError('ZIP_MALFORMED', 'no end of central directory record');
  const count = u16(eocd + 10);
  const cdSize = u32(eocd + 12);
  const cdOffset = u32(eocd + 16);
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0 || u16(eocd + 8) !== count)
    throw new ZipReadError('ZIP_UNSUPPORTED', 'multi-disk archives are not supported');
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    throw new ZipReadError('ZIP_UNSUPPORTED', 'zip64 archives are not supported');
  if (count > limits.maxEntries) throw new ZipReadError('TOO_MANY_ENTRIES', `more than ${limits.maxEntries} entries`);
  if (cdOffset + cdSize > eocd) throw new ZipReadError('ZIP_MALFORMED', 'central directory lies outside the archive');
  const entries: ZipEntry[] = [];
  let at = cdOffset;
  let declaredTotal = 0;
  for (let i = 0; i < count; i++) {
    if (at + 46 > cdOffset + cdSize || u32(at) !== CDH) throw new ZipReadError('ZIP_MALFORMED', `central directory entry ${i} is damaged`);
    const flags = u16(at + 8);
    const method = u16(at + 10);
    const crc32 = u32(at + 16);
    const compressedSize = u32(at + 20);
    const uncompressedSize = u32(at + 24);
    const nameLen = u16(at + 28);
    const extraLen = u16(at + 30);
    const commentLen = u16(at + 32);
    const localOffset = u32(at + 42);
    if (compressedSize === 0xffffffff || uncompressedSize === 0xffffffff || localOffset === 0xffffffff) {
      throw new ZipReadError('ZIP_UNSUPPORTED', 'zip64 entries are not supported');
    }
    const nameBytes = b.subarray(at + 46, at + 46 + nameLen);
    // Bit 11: UTF-8 names; otherwise CP437, which only matters for display here.
    const name = new TextDecoder(flags & 0x800 ? 'utf-8' : 'latin1').decode(nameBytes);
    at += 46 + nameLen + extraLen + commentLen;
    if (localOffset + 30 > cdOffset || u32(localOffset) !== LFH) throw new ZipReadError('ZIP_MALFORMED', `entry ${i} has no local header`);
    const dataOffset = localOffset + 30 + u16(localOffset + 26) + u16(localOffset + 28);
    if (dataOffset + compressedSize > cdOffset) throw new ZipReadError('ZIP_MALFORMED', `entry ${i} runs into the central directory`);
    declaredTotal += uncompressedSize;
    entries.push({ index: i, name, method, flags, crc32, compressedSize, uncompressedSize, dataOffset, isDirectory: name.endsWith('/') });
  }
  if (declaredTotal > limits.maxTotalBytes)
    throw new ZipReadError('ENTRY_TOO_LARGE', `entries declare more than ${limits.maxTotalBytes} bytes in total`);
  // Entries whose data overlaps can make a small archive expand many times over.
  const byOffset = [...entries].filter((e) => e.compressedSize > 0).sort((x, y) => x.dataOffset - y.dataOffset);
  for (let i = 1; i < byOffset.length; i++) {
    const prev = byOffset[i - 1] as ZipEntry;
    if ((byOffset[i] as ZipEntry).dataOffset < prev.dataOffset + prev.compressedSize)
      throw new ZipReadError('ZIP_MALFORMED', 'entries overlap');
  }
  return entries;
}

/** A reason to refuse an entry name, or null when it is a plain relative path. */
export function unsafeName(name: string): string | null {
  if (name.length === 0 || name.length > 1024) return 'empty or overlong name';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters in entry names is the point of this test
  if (/[\u0000-\u001f\u007f\\]/.test(name)) return 'control characters or backslashes';
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) return 'absolute path';
  if (name.split('/').some((seg) => seg === '..')) return 'parent-directory segment';
  return null;
}

let CRC_TABLE: Uint32Array | undefined;

function crcTable(): Uint32Array {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  return CRC_TABLE;
}

/** Folds `data` into a running CRC-32 state (start from 0xffffffff, finish with `^ 0xffffffff`). */
function crc32Update(state: number, data: Uint8Array): number {
  const table = crcTable();
  let c = state;
  for (let i = 0; i < data.length; i++) c = (table[(c ^ (data[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return c;
}

/** CRC-32 (IEEE), as zip stores it. */
export function crc32(data: Uint8Array): number {
  return (crc32Update(0xffffffff, data) ^ 0xffffffff) >>> 0;
}

/** Work (bytes inflated or checksummed) between two pauses for the event loop: a few ms. */
export const YIELD_EVERY_BYTES = 1024 * 1024;

/**
 * Lets other requests run: a macrotask, so I/O callbacks get their turn (a resolved promise
 * would not). setImmediate where the runtime has it (Node; no 1 ms timer clamp), setTimeout
 * otherwise (Workers). Time-based slicing is not used because Workers freeze the clock while
 * code runs.
 */
export function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (f: () => void) => unknown };
  return new Promise((resolve) => (typeof g.setImmediate === 'function' ? g.setImmediate(resolve) : setTimeout(resolve, 0)));
}

/**
 * Extracts one entry, holding at most its declared size (itself at most `maxBytes`) whatever
 * the compressed stream holds: inflation stops at the first chunk past it.
 * @param pause awaited every {@link YIELD_EVERY_BYTES} of work
 * @throws ZipReadError ENTRY_TOO_LARGE, ENTRY_ENCRYPTED, ZIP_UNSUPPORTED (method), ENTRY_CORRUPT.
 */
export async function extractEntry(
  b: Uint8Array,
  e: ZipEntry,
  maxBytes: number,
  pause: () => Promise<void> = yieldToEventLoop,
): Promise<Uint8Array> {
  if (e.flags & 0x1) throw new ZipReadError('ENTRY_ENCRYPTED', 'entry is encrypted');
  if (e.uncompressedSize > maxBytes) throw new ZipReadError('ENTRY_TOO_LARGE', `entry is larger than ${maxBytes} bytes`);
  if (e.method !== 0 && e.method !== 8)
    throw new ZipReadError('ZIP_UNSUPPORTED', `compression method ${e.method} is not supported (stored and deflate are)`);
  const raw = b.subarray(e.dataOffset, e.dataOffset + e.compressedSize);
  let crc = 0xffffffff;
  let work = 0;
  // Checksums in pieces, pausing between them: a single inflated chunk can be several MiB.
  const checksum = async (data: Uint8Array): Promise<void> => {
    for (let at = 0; at < data.length; at += YIELD_EVERY_BYTES) {
      const piece = data.subarray(at, at + YIELD_EVERY_BYTES);
      crc = crc32Update(crc, piece);
      work += piece.length;
      if (work >= YIELD_EVERY_BYTES) (work = 0), await pause();
    }
  };
  let out: Uint8Array;
  let total = 0;
  if (e.method === 0) {
    out = raw;
    await checksum(raw);
    total = raw.length;
  } else {
    // The declared size bounds the output (more is a lie, and a lie is refused), so the whole
    // entry is one allocation of at most `maxBytes`, filled chunk by chunk.
    out = new Uint8Array(e.uncompressedSize);
    try {
      for (const chunk of inflateRawChunks(raw)) {
        if (total + chunk.length > e.uncompressedSize) throw new ZipReadError('ENTRY_TOO_LARGE', 'entry inflates past its declared size');
        out.set(chunk, total);
        total += chunk.length;
        await checksum(chunk);
      }
    } catch (err) {
      if (err instanceof ZipReadError) throw err;
      throw new ZipReadError('ENTRY_CORRUPT', 'entry does not inflate');
    }
  }
  if (total !== e.uncompressedSize || (crc ^ 0xffffffff) >>> 0 !== e.crc32)
    throw new ZipReadError('ENTRY_CORRUPT', 'entry size or CRC-32 does not match its header');
  return out;
}
