/**
 * The multipart and zip readers on their own: boundaries, preambles, hostile names, CRC-32.
 */
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { headerParams, MultipartError, parseMultipart } from '../src/upload/multipart';
import { crc32, extractEntry, readZipDirectory, unsafeName, ZipReadError } from '../src/upload/zip';

const enc = new TextEncoder();
const dec = new TextDecoder();

describe('multipart', () => {
  it('reads parameters, quoted or not', () => {
    expect(headerParams('multipart/related; type="application/dicom"; boundary=abc')).toEqual({
      type: 'application/dicom',
      boundary: 'abc',
    });
    expect(headerParams('form-data; name="file"; filename="a \\"b\\".dcm"')).toEqual({ name: 'file', filename: 'a "b".dcm' });
  });

  it('skips preamble and epilogue, keeps binary bodies intact and labels parts', () => {
    const body = enc.encode(
      'preamble\r\n--xyz\r\nContent-Type: application/dicom\r\nContent-Location: a.dcm\r\n\r\n\r\n--x\r\n\x00\r\n' +
        '--xyz\r\n\r\nno headers\r\n--xyz--\r\nepilogue',
    );
    const parts = parseMultipart(body, 'xyz', 10);
    expect(parts).toHaveLength(2);
    expect(parts[0]).toMatchObject({ index: 0, contentType: 'application/dicom', filename: 'a.dcm' });
    expect(dec.decode(parts[0]?.body)).toBe('\r\n--x\r\n\x00');
    expect(dec.decode(parts[1]?.body)).toBe('no headers');
  });

  it('refuses bodies without the boundary, without a closing delimiter, or with too many parts', () => {
    expect(() => parseMultipart(enc.encode('nothing'), 'xyz', 10)).toThrow(MultipartError);
    expect(() => parseMultipart(enc.encode('--xyz\r\n\r\nbody never closed'), 'xyz', 10)).toThrow(MultipartError);
    expect(() => parseMultipart(enc.encode('--xyz\r\n\r\na\r\n--xyz\r\n\r\nb\r\n--xyz--'), 'xyz', 1)).toThrow(/more than 1/);
    expect(() => parseMultipart(enc.encode('--xyz--'), '', 10)).toThrow(MultipartError);
    expect(parseMultipart(enc.encode('--xyz--\r\n'), 'xyz', 10)).toEqual([]);
  });
});

describe('zip', () => {
  it('computes CRC-32 as zip does', () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  it('reads archives with comments, and empty archives', async () => {
    const z = zipSync({ 'a.txt': enc.encode('hello'), 'b/c.txt': enc.encode('world') }, { comment: 'a comment' });
    const entries = readZipDirectory(z, { maxEntries: 10, maxTotalBytes: 1000 });
    expect(entries.map((e) => e.name)).toEqual(['a.txt', 'b/c.txt']);
    expect(dec.decode(await extractEntry(z, entries[1] as never, 100))).toBe('world');
    expect(readZipDirectory(zipSync({}), { maxEntries: 10, maxTotalBytes: 10 })).toEqual([]);
    expect(() => readZipDirectory(z, { maxEntries: 1, maxTotalBytes: 1000 })).toThrow(ZipReadError);
    await expect(extractEntry(z, entries[0] as never, 3)).rejects.toThrow(/larger than 3/);
  });

  it('flags names that could escape a folder', () => {
    for (const bad of ['../x', 'a/../../x', '/etc/passwd', 'C:\\x', 'c:/x', 'a\\b', 'a\u0000b', ''])
      expect(unsafeName(bad), JSON.stringify(bad)).not.toBeNull();
    for (const ok of ['a.dcm', 'dir/sub/IM0001', 'série/ü.dcm', 'a..b/c']) expect(unsafeName(ok), ok).toBeNull();
  });
});
