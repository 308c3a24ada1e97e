/**
 * A minimal explicit-VR little-endian DICOM writer for unit tests: just enough to build files
 * with exact header values (sign bits, padding, LUT sequences) that the corpus does not isolate.
 */
/** One element; `frames` makes encapsulated pixel data (one fragment per frame, empty offset table). */
export type El = { tag: number; vr: string; value: string | number[] | Uint8Array | El[][] | { frames: Uint8Array[] } };

/** How the dataset is encoded. */
export type Encoding = 'explicit-le' | 'implicit-le' | 'explicit-be';
let enc: Encoding = 'explicit-le';

const LONG = new Set(['OB', 'OW', 'OF', 'SQ', 'UT', 'UN']);

function item(tag: number, body: Uint8Array): Uint8Array {
  const head = new Uint8Array(8);
  const dv = new DataView(head.buffer);
  dv.setUint16(0, tag >>> 16, true);
  dv.setUint16(2, tag & 0xffff, true);
  dv.setUint32(4, body.length, true);
  return concat([head, body]);
}

function encodeValue(vr: string, value: El['value']): Uint8Array {
  if (value instanceof Uint8Array) {
    const even = value.length % 2 ? concat([value, new Uint8Array([0])]) : value;
    if (enc !== 'explicit-be' || vr !== 'OW') return even;
    const swapped = even.slice(); // OW is a stream of 16-bit words: big endian swaps each
    for (let i = 0; i + 1 < swapped.length; i += 2) [swapped[i], swapped[i + 1]] = [swapped[i + 1]!, swapped[i]!];
    return swapped;
  }
  if (!Array.isArray(value) && typeof value === 'object') {
    const frames = value.frames.map((f) => item(0xfffee000, f.length % 2 ? concat([f, new Uint8Array([0])]) : f));
    return concat([item(0xfffee000, new Uint8Array(0)), ...frames, item(0xfffee0dd, new Uint8Array(0))]);
  }
  if (typeof value === 'string') {
    const s = value.length % 2 ? value + (vr === 'UI' ? '\0' : ' ') : value;
    return new TextEncoder().encode(s);
  }
  if (vr === 'SQ') {
    const items = (value as El[][]).map((item) => {
      const body = encodeElements(item);
      const head = new Uint8Array(8);
      const dv = new DataView(head.buffer);
      dv.setUint16(0, 0xfffe, true);
      dv.setUint16(2, 0xe000, true);
      dv.setUint32(4, body.length, true);
      return concat([head, body]);
    });
    return concat(items);
  }
  const nums = value as number[];
  const size = vr === 'US' || vr === 'SS' ? 2 : 4;
  const out = new Uint8Array(nums.length * size);
  const dv = new DataView(out.buffer);
  const le = enc !== 'explicit-be';
  nums.forEach((n, i) => (vr === 'US' ? dv.setUint16(i * 2, n, le) : vr === 'SS' ? dv.setInt16(i * 2, n, le) : dv.setUint32(i * 4, n, le)));
  return out;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, at), (at += p.length);
  return out;
}

function encodeElements(els: El[]): Uint8Array {
  return concat(
    [...els]
      .sort((a, b) => a.tag - b.tag)
      .map((el) => {
        const data = encodeValue(el.vr, el.value);
        const undefinedLength = !Array.isArray(el.value) && typeof el.value === 'object' && !(el.value instanceof Uint8Array);
        const length = undefinedLength ? 0xffffffff : data.length;
        // File meta (group 0002) is always explicit VR little endian (PS3.10 7.1).
        const mode = el.tag >>> 16 === 0x0002 ? 'explicit-le' : enc;
        const le = mode !== 'explicit-be';
        if (mode === 'implicit-le') {
          const head = new Uint8Array(8);
          const dv = new DataView(head.buffer);
          dv.setUint16(0, el.tag >>> 16, true);
          dv.setUint16(2, el.tag & 0xffff, true);
          dv.setUint32(4, length, true);
          return concat([head, data]);
        }
        const long = LONG.has(el.vr);
        const head = new Uint8Array(long ? 12 : 8);
        const dv = new DataView(head.buffer);
        dv.setUint16(0, el.tag >>> 16, le);
        dv.setUint16(2, el.tag & 0xffff, le);
        head[4] = el.vr.charCodeAt(0);
        head[5] = el.vr.charCodeAt(1);
        if (long) dv.setUint32(8, length, le);
        else dv.setUint16(6, length, le);
        return concat([head, data]);
      }),
  );
}

/** A Part 10 file (preamble, DICM, file meta) around `dataset`, encoded as `encoding`. */
export function part10(
  dataset: El[],
  transferSyntax = '1.2.840.10008.1.2.1',
  encoding: Encoding = 'explicit-le',
  transform?: (body: Uint8Array) => Uint8Array,
): Uint8Array {
  const meta = encodeElements([
    { tag: 0x00020001, vr: 'OB', value: new Uint8Array([0, 1]) },
    { tag: 0x00020002, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00020003, vr: 'UI', value: '1.2.3.4' },
    { tag: 0x00020010, vr: 'UI', value: transferSyntax },
  ]);
  const groupLength = encodeElements([{ tag: 0x00020000, vr: 'UL', value: [meta.length] }]);
  const pre = new Uint8Array(132);
  pre.set([0x44, 0x49, 0x43, 0x4d], 128);
  enc = encoding;
  try {
    const body = encodeElements(dataset);
    return concat([pre, groupLength, meta, transform ? transform(body) : body]);
  } finally {
    enc = 'explicit-le';
  }
}

/** The raw dataset, without preamble or file meta. */
export function rawDataset(dataset: El[]): Uint8Array {
  return encodeElements(dataset);
}

/** A CT image dataset with the given stored values (16-bit containers). */
export function ctImage(opts: {
  rows: number;
  cols: number;
  pixels: Uint16Array;
  bitsStored?: number;
  signed?: boolean;
  extra?: El[];
  position?: number[];
  orientation?: number[];
  series?: string;
  sop?: string;
  instance?: number;
}): El[] {
  const els: El[] = [
    { tag: 0x00080016, vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
    { tag: 0x00080018, vr: 'UI', value: opts.sop ?? '1.2.3.4' },
    { tag: 0x00080060, vr: 'CS', value: 'CT' },
    { tag: 0x0020000e, vr: 'UI', value: opts.series ?? '1.2.3' },
    { tag: 0x00200013, vr: 'IS', value: String(opts.instance ?? 1) },
    { tag: 0x00200032, vr: 'DS', value: (opts.position ?? [0, 0, 0]).join('\\') },
    { tag: 0x00200037, vr: 'DS', value: (opts.orientation ?? [1, 0, 0, 0, 1, 0]).join('\\') },
    { tag: 0x00280002, vr: 'US', value: [1] },
    { tag: 0x00280004, vr: 'CS', value: 'MONOCHROME2' },
    { tag: 0x00280010, vr: 'US', value: [opts.rows] },
    { tag: 0x00280011, vr: 'US', value: [opts.cols] },
    { tag: 0x00280030, vr: 'DS', value: '0.5\\0.5' },
    { tag: 0x00280100, vr: 'US', value: [16] },
    { tag: 0x00280101, vr: 'US', value: [opts.bitsStored ?? 16] },
    { tag: 0x00280102, vr: 'US', value: [(opts.bitsStored ?? 16) - 1] },
    { tag: 0x00280103, vr: 'US', value: [opts.signed ? 1 : 0] },
    { tag: 0x7fe00010, vr: 'OW', value: new Uint8Array(opts.pixels.buffer, opts.pixels.byteOffset, opts.pixels.byteLength) },
    ...(opts.extra ?? []),
  ];
  return els;
}
