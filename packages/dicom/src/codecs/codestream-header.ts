/**
 * Reads image dimensions from a JPEG, JPEG-LS or JPEG 2000 codestream header before decoding,
 * so a codestream that claims a huge image is refused before any codec allocates for it.
 */

/** Dimensions a codestream declares. */
export interface CodestreamSize {
  width: number;
  height: number;
  components: number;
  precision: number;
}

const be16 = (b: Uint8Array, at: number) => ((b[at] ?? 0) << 8) | (b[at + 1] ?? 0);
const be32 = (b: Uint8Array, at: number) =>
  (((b[at] ?? 0) << 24) | ((b[at + 1] ?? 0) << 16) | ((b[at + 2] ?? 0) << 8) | (b[at + 3] ?? 0)) >>> 0;

/** JPEG / JPEG-LS: walks marker segments to the first SOFn (or SOF55 for JPEG-LS). */
export function jpegSize(b: Uint8Array): CodestreamSize | undefined {
  let i = 0;
  // Some encoders put fill bytes before SOI; look for it in the first few bytes.
  while (i + 1 < Math.min(b.length, 64) && !(b[i] === 0xff && b[i + 1] === 0xd8)) i++;
  i += 2;
  while (i + 3 < b.length) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1] ?? 0;
    if (marker === 0xff) {
      i++;
      continue;
    }
    const len = be16(b, i + 2);
    const isSof = (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) || marker === 0xf7;
    if (isSof) {
      if (i + 9 >= b.length) return undefined;
      return { precision: b[i + 4] ?? 0, height: be16(b, i + 5), width: be16(b, i + 7), components: b[i + 9] ?? 0 };
    }
    if (marker === 0xda || len < 2) return undefined;
    i += 2 + len;
  }
  return undefined;
}

/** JPEG 2000 / HTJ2K: the SIZ segment follows SOC (FF4F FF51), also inside a JP2 box wrapper. */
export function j2kSize(b: Uint8Array): CodestreamSize | undefined {
  const limit = Math.min(b.length - 4, 4096);
  for (let i = 0; i < limit; i++) {
    if (b[i] === 0xff && b[i + 1] === 0x4f && b[i + 2] === 0xff && b[i + 3] === 0x51) {
      const s = i + 4;
      if (s + 38 > b.length) return undefined;
      const xsiz = be32(b, s + 4);
      const ysiz = be32(b, s + 8);
      const xo = be32(b, s + 12);
      const yo = be32(b, s + 16);
      const csiz = be16(b, s + 36);
      const ssiz = b[s + 38] ?? 0;
      return { width: xsiz - xo, height: ysiz - yo, components: csiz, precision: (ssiz & 0x7f) + 1 };
    }
  }
  return undefined;
}
