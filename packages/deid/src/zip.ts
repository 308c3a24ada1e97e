/**
 * Zip archives dropped on the page: read as a stream (never whole), each entry collected into a
 * File of its own and checked against the per-instance limit while it inflates; directories and
 * macOS metadata entries are skipped. Archives over `maxZipBytes` are refused by size first.
 */
import { Unzip, UnzipInflate, UnzipPassThrough, type UnzipFile } from 'fflate';
import { DEFAULT_MAX_INSTANCE_BYTES } from './limits';
import type { DeidErrorCode } from './errors';
import type { FileLike } from './read-file';

/** A file that can be streamed (browser Files and Node 20 Files can). */
export type StreamableFile = FileLike & { stream(): ReadableStream<Uint8Array> };

/** Limits of {@link expandArchives}. */
export interface ZipOptions {
  /** Largest entry, inflated (default: the per-instance limit, 64 MiB). */
  maxInstanceBytes?: number;
  /** Largest archive read (default 4 GiB, the API's study limit). */
  maxZipBytes?: number;
  /** Most entries read from one archive (default 20,000). */
  maxZipEntries?: number;
}

/** An archive or entry that was not expanded, and why (names only, never content). */
export interface ArchiveRefusal {
  name: string;
  size: number;
  code: DeidErrorCode;
  message: string;
}

function isStreamable(f: FileLike): f is StreamableFile {
  return typeof (f as { stream?: unknown }).stream === 'function';
}

/** True when the file starts with a zip local header (`PK\x03\x04`) or an empty archive's end record. */
export async function isZip(file: FileLike): Promise<boolean> {
  if (file.size < 22) return false;
  const b = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 0x03 && b[3] === 0x04) || (b[2] === 0x05 && b[3] === 0x06));
}

const skipped = (name: string) =>
  name.endsWith('/') || name.startsWith('__MACOSX/') || /(^|\/)\._/.test(name) || /(^|\/)\.DS_Store$/.test(name);

/** Expands one archive. */
async function expandZip(zip: StreamableFile, o: Required<ZipOptions>): Promise<{ files: File[]; refused: ArchiveRefusal[] }> {
  const files: File[] = [];
  const refused: ArchiveRefusal[] = [];
  let entries = 0;
  let stop = false;
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  unzip.register(UnzipPassThrough);
  unzip.onfile = (entry: UnzipFile) => {
    if (stop || skipped(entry.name)) return;
    const name = `${zip.name}/${entry.name}`;
    if (++entries > o.maxZipEntries) {
      stop = true;
      refused.push({
        name: zip.name,
        size: zip.size,
        code: 'TOO_LARGE',
        message: `${zip.name}: more than ${o.maxZipEntries} entries; the rest were not read`,
      });
      return;
    }
    if (entry.originalSize !== undefined && entry.originalSize > o.maxInstanceBytes) {
      refused.push({
        name,
        size: entry.originalSize,
        code: 'TOO_LARGE',
        message: `${name}: ${entry.originalSize} bytes is over the ${o.maxInstanceBytes}-byte limit per instance`,
      });
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    entry.ondata = (err, chunk, final) => {
      if (err) {
        refused.push({ name, size, code: 'NOT_DICOM', message: `${name}: the zip entry could not be inflated` });
        return;
      }
      size += chunk.length;
      if (size > o.maxInstanceBytes) {
        entry.terminate();
        chunks.length = 0;
        refused.push({ name, size, code: 'TOO_LARGE', message: `${name}: over the ${o.maxInstanceBytes}-byte limit per instance` });
        return;
      }
      chunks.push(chunk);
      if (final) files.push(new File(chunks as unknown as ConstructorParameters<typeof File>[0], name));
    };
    try {
      entry.start();
    } catch {
      refused.push({
        name,
        size: 0,
        code: 'NOT_DICOM',
        message: `${name}: compressed with zip method ${entry.compression}, which cannot be read here`,
      });
    }
  };
  const reader = zip.stream().getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      unzip.push(value, false);
      if (stop) break;
    }
    if (!stop) unzip.push(new Uint8Array(0), true);
  } catch {
    refused.push({
      name: zip.name,
      size: zip.size,
      code: 'NOT_DICOM',
      message: `${zip.name}: not a readable zip archive (entries read before the damage are kept)`,
    });
  } finally {
    await reader.cancel().catch(() => {});
  }
  return { files, refused };
}

/**
 * Replaces each zip archive in `files` with its entries; other files pass through in order.
 * @returns the files to scan, and what could not be expanded
 */
export async function expandArchives(
  files: readonly FileLike[],
  options: ZipOptions = {},
): Promise<{ files: FileLike[]; refused: ArchiveRefusal[] }> {
  const o: Required<ZipOptions> = {
    maxInstanceBytes: options.maxInstanceBytes ?? DEFAULT_MAX_INSTANCE_BYTES,
    maxZipBytes: options.maxZipBytes ?? 4 * 1024 ** 3,
    maxZipEntries: options.maxZipEntries ?? 20_000,
  };
  const out: FileLike[] = [];
  const refused: ArchiveRefusal[] = [];
  for (const f of files) {
    if (!isStreamable(f) || !(await isZip(f))) {
      out.push(f);
      continue;
    }
    if (f.size > o.maxZipBytes) {
      refused.push({
        name: f.name,
        size: f.size,
        code: 'TOO_LARGE',
        message: `${f.name}: ${f.size} bytes is over the ${o.maxZipBytes}-byte limit per archive`,
      });
      continue;
    }
    const got = await expandZip(f, o);
    out.push(...got.files);
    refused.push(...got.refused);
  }
  return { files: out, refused };
}
