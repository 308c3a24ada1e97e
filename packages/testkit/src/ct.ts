/**
 * Synthetic CT instances for tests, written with the kit's DICOM writer. No patient
 * attributes unless a test adds them on purpose (with made-up values).
 */
import { concat, ctImage, part10, rawDataset, type El } from './dicom-writer';

export type { El };

/** A UID root for test data (2.25 is the UUID-derived root; any digits will do in tests). */
let counter = 0;
export function uid(prefix = '2.25.1'): string {
  counter++;
  return `${prefix}.${Date.now() % 1e9}.${counter}.${Math.floor(Math.random() * 1e6)}`;
}

/** One CT slice: `size`² pixels of 16-bit data, a smooth phantom-like pattern. */
export function ctSlice(opts: {
  study: string;
  series: string;
  sop: string;
  index: number;
  size?: number;
  extra?: El[];
  modality?: string;
  sopClass?: string;
}): Uint8Array {
  const size = opts.size ?? 16;
  const pixels = new Uint16Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) pixels[y * size + x] = 1000 + ((x * 7 + y * 3 + opts.index * 11) % 400);
  const els = ctImage({
    rows: size,
    cols: size,
    pixels,
    series: opts.series,
    sop: opts.sop,
    instance: opts.index + 1,
    position: [0, 0, -opts.index * 1.25],
    extra: [{ tag: 0x0020000d, vr: 'UI', value: opts.study }, ...(opts.extra ?? [])],
  });
  const patched = els.map((e) => {
    if (e.tag === 0x00080060 && opts.modality) return { ...e, value: opts.modality };
    if (e.tag === 0x00080016 && opts.sopClass) return { ...e, value: opts.sopClass };
    return e;
  });
  return part10(patched);
}

/** A study of `n` slices with fresh UIDs. */
export function ctStudy(n: number, size = 16): { study: string; series: string; slices: { sop: string; bytes: Uint8Array }[] } {
  const study = uid();
  const series = uid();
  const slices = Array.from({ length: n }, (_, index) => {
    const sop = uid();
    return { sop, bytes: ctSlice({ study, series, sop, index, size }) };
  });
  return { study, series, slices };
}

const enc = new TextEncoder();

/** A multipart body (form-data files, or multipart/related parts) and its content type. */
export function multipart(
  files: { name?: string; bytes: Uint8Array; contentType?: string }[],
  kind: 'form-data' | 'related' = 'form-data',
): { body: Uint8Array; contentType: string } {
  const boundary = `embolus-test-${Math.random().toString(36).slice(2)}`;
  const chunks: Uint8Array[] = [];
  for (const [i, f] of files.entries()) {
    const head =
      kind === 'form-data'
        ? `Content-Disposition: form-data; name="file"; filename="${f.name ?? `f${i}.dcm`}"\r\n` +
          `Content-Type: ${f.contentType ?? 'application/dicom'}\r\n`
        : `Content-Type: ${f.contentType ?? 'application/dicom'}\r\n`;
    chunks.push(enc.encode(`--${boundary}\r\n${head}\r\n`), f.bytes, enc.encode('\r\n'));
  }
  chunks.push(enc.encode(`--${boundary}--\r\n`));
  const contentType =
    kind === 'form-data'
      ? `multipart/form-data; boundary=${boundary}`
      : `multipart/related; type="application/dicom"; boundary=${boundary}`;
  return { body: concat(chunks), contentType };
}

const u32le = (n: number): Uint8Array => new Uint8Array([n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24]);
const ITEM = new Uint8Array([0xfe, 0xff, 0x00, 0xe0]);
const ITEM_END = new Uint8Array([0xfe, 0xff, 0x0d, 0xe0, 0, 0, 0, 0]);
const SEQ_END = new Uint8Array([0xfe, 0xff, 0xdd, 0xe0, 0, 0, 0, 0]);
/** (0040,A730) ContentSequence, explicit VR SQ, before its 4-byte length. */
const SQ_HEAD = new Uint8Array([0x40, 0x00, 0x30, 0xa7, 0x53, 0x51, 0, 0]);

/**
 * A ContentSequence element nested `depth` sequences deep around `leaf` (so the leaf's elements
 * sit at depth `depth`), built inside out without recursion: the test writer recurses per level
 * and cannot go 1,000 deep. Undefined lengths (with delimiters) or explicit lengths.
 */
export function nestedSequence(depth: number, leaf: El[], undefinedLength = false): El {
  const undef = u32le(0xffffffff);
  const wrapItem = (body: Uint8Array) =>
    undefinedLength ? concat([ITEM, undef, body, ITEM_END]) : concat([ITEM, u32le(body.length), body]);
  let items = wrapItem(rawDataset(leaf));
  for (let level = 1; level < depth; level++) {
    const sq = undefinedLength ? concat([SQ_HEAD, undef, items, SEQ_END]) : concat([SQ_HEAD, u32le(items.length), items]);
    items = wrapItem(sq);
  }
  // The test writer gives the outermost element an explicit length around these item bytes.
  return { tag: 0x0040a730, vr: 'SQ', value: items };
}
