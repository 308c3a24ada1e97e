/**
 * A hand-rolled zip writer for hostile archives: lying sizes, shared data (overlapping
 * entries), encryption flags, bad CRCs, traversal names. Legitimate archives come from fflate.
 */
import { deflateSync, zipSync } from 'fflate';

/** CRC-32 (IEEE) of `data`, read back from the local header of a stored fflate zip, so the kit
 * checks the product's own CRC code against an independent implementation. */
export function crc32(data: Uint8Array): number {
  const z = zipSync({ x: data }, { level: 0 });
  return new DataView(z.buffer, z.byteOffset).getUint32(14, true);
}

export interface RawEntry {
  name: string;
  data: Uint8Array;
  deflate?: boolean;
  /** Uncompressed size written in the headers (defaults to the real size). */
  declaredSize?: number;
  flags?: number;
  crc?: number;
  /** Reuse the data (local header) of an earlier entry: the overlapping-entries bomb. */
  sameDataAs?: number;
  /** Already deflated bytes to store as the entry's data (with `deflate: true`); `data` then only feeds the CRC. */
  compressed?: Uint8Array;
}

/** A zip archive of `entries`, written exactly as described (however hostile). */
export function buildZip(entries: RawEntry[]): Uint8Array {
  const enc = new TextEncoder();
  const locals: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const [i, e] of entries.entries()) {
    const name = enc.encode(e.name);
    const body = e.deflate ? (e.compressed ?? deflateSync(e.data)) : e.data;
    const crc = e.crc ?? crc32(e.data);
    const size = e.declaredSize ?? e.data.length;
    const method = e.deflate ? 8 : 0;
    let localOffset = offset;
    if (e.sameDataAs !== undefined) {
      localOffset = offsets[e.sameDataAs] as number;
    } else {
      const lh = new Uint8Array(30 + name.length);
      const dv = new DataView(lh.buffer);
      dv.setUint32(0, 0x04034b50, true);
      dv.setUint16(4, 20, true);
      dv.setUint16(6, e.flags ?? 0, true);
      dv.setUint16(8, method, true);
      dv.setUint32(14, crc, true);
      dv.setUint32(18, body.length, true);
      dv.setUint32(22, size, true);
      dv.setUint16(26, name.length, true);
      lh.set(name, 30);
      locals.push(lh, body);
      offset += lh.length + body.length;
    }
    offsets[i] = localOffset;
    const ch = new Uint8Array(46 + name.length);
    const cv = new DataView(ch.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, e.flags ?? 0, true);
    cv.setUint16(10, method, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, body.length, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, localOffset, true);
    ch.set(name, 46);
    central.push(ch);
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  const all = [...locals, ...central, eocd];
  const out = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) out.set(p, at), (at += p.length);
  return out;
}
