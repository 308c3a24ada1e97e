/**
 * A multipart body parser for `multipart/form-data` (batch uploads) and `multipart/related`
 * (STOW-RS). Parts are views into the request body, not copies.
 */

/** One part of a multipart body. */
export interface Part {
  index: number;
  /** Header names lower-cased. */
  headers: Record<string, string>;
  /** Media type without parameters, lower-case; '' when absent. */
  contentType: string;
  /** From Content-Disposition (form-data) or Content-Location (related); a label only. */
  filename?: string;
  body: Uint8Array;
}

/** A body that is not valid multipart. */
export class MultipartError extends Error {}

/** Parameters of a header value such as `multipart/related; type="application/dicom"; boundary=x`. */
export function headerParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /;\s*([A-Za-z0-9_*-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;]*)/g;
  for (let m = re.exec(value); m; m = re.exec(value)) {
    const raw = (m[2] ?? '').trim();
    out[(m[1] as string).toLowerCase()] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
  }
  return out;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0] as number;
  const last = hay.length - needle.length;
  for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    let j = 1;
    while (j < needle.length && hay[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

const latin1 = new TextDecoder('latin1');

/**
 * Splits `body` on `boundary`. @throws MultipartError when the boundary or the closing
 * delimiter is missing, a part has no header block, or there are more than `maxParts` parts.
 */
export function parseMultipart(body: Uint8Array, boundary: string, maxParts: number): Part[] {
  if (!boundary || boundary.length > 200) throw new MultipartError('missing or overlong boundary');
  const enc = new TextEncoder();
  const delimiter = enc.encode(`--${boundary}`);
  const next = enc.encode(`\r\n--${boundary}`);
  let at = indexOf(body, delimiter, 0);
  if (at < 0) throw new MultipartError('boundary not found');
  const parts: Part[] = [];
  for (;;) {
    at += delimiter.length;
    if (body[at] === 0x2d && body[at + 1] === 0x2d) return parts; // closing delimiter
    // Transport padding, then CRLF.
    while (body[at] === 0x20 || body[at] === 0x09) at++;
    if (body[at] === 0x0d && body[at + 1] === 0x0a) at += 2;
    else throw new MultipartError('malformed delimiter line');
    const headerEnd = indexOf(body, enc.encode('\r\n\r\n'), at);
    const end = indexOf(body, next, at);
    if (end < 0) throw new MultipartError('closing delimiter not found');
    if (parts.length >= maxParts) throw new MultipartError(`more than ${maxParts} parts`);
    const headers: Record<string, string> = {};
    let bodyStart: number;
    if (headerEnd >= 0 && headerEnd < end) {
      for (const line of latin1.decode(body.subarray(at, headerEnd)).split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      bodyStart = headerEnd + 4;
    } else if (body[at] === 0x0d && body[at + 1] === 0x0a) {
      bodyStart = at + 2; // a part without headers
    } else {
      throw new MultipartError('part without a header block');
    }
    const disposition = headers['content-disposition'];
    const filename = disposition ? headerParams(disposition)['filename'] : headers['content-location'];
    parts.push({
      index: parts.length,
      headers,
      contentType: (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '',
      ...(filename ? { filename } : {}),
      body: body.subarray(bodyStart, end),
    });
    at = end + 2;
  }
}
