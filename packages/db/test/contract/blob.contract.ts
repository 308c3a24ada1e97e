/**
 * Contract suite of the blob stores: run against the folder store (Node), the memory store and
 * R2 (in workerd).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../src/index';

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, at), (at += c.length);
  return out;
}

/** Byte equality without vitest's element-by-element diffing (slow on large arrays). */
function same(a: Uint8Array | null | undefined, b: Uint8Array): boolean {
  if (!a || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Registers the blob suite under `name`; `open` is called once. */
export function blobContract(name: string, open: () => Promise<BlobStore>): void {
  describe(`blob contract: ${name}`, () => {
    let blobs: BlobStore;
    const root = `c${Math.floor(Math.random() * 1e9)}`;
    beforeAll(async () => {
      blobs = await open();
    });

    it('puts, gets, heads, streams and deletes', async () => {
      const data = new Uint8Array(300_000).map((_, i) => i * 7);
      await blobs.put(`${root}/a/b.dcm`, data, { contentType: 'application/dicom' });
      expect(same(await blobs.get(`${root}/a/b.dcm`), data)).toBe(true);
      expect((await blobs.head(`${root}/a/b.dcm`))?.size).toBe(300_000);
      const s = await blobs.getStream(`${root}/a/b.dcm`);
      expect(s?.size).toBe(300_000);
      expect(same(await readAll(s?.stream as ReadableStream<Uint8Array>), data)).toBe(true);
      await blobs.delete(`${root}/a/b.dcm`);
      expect(await blobs.get(`${root}/a/b.dcm`)).toBeNull();
      expect(await blobs.head(`${root}/a/b.dcm`)).toBeNull();
      expect(await blobs.getStream(`${root}/a/b.dcm`)).toBeNull();
      await blobs.delete(`${root}/a/b.dcm`);
    });

    it('replaces a blob whole and stores empty blobs', async () => {
      await blobs.put(`${root}/r`, new Uint8Array([1, 2, 3, 4]));
      await blobs.put(`${root}/r`, new Uint8Array([9]));
      expect(await blobs.get(`${root}/r`)).toEqual(new Uint8Array([9]));
      await blobs.put(`${root}/empty`, new Uint8Array(0));
      expect(await blobs.get(`${root}/empty`)).toEqual(new Uint8Array(0));
    });

    it('lists keys under a prefix, sorted', async () => {
      for (const k of ['x/2', 'x/1', 'x/sub/3', 'y/1']) await blobs.put(`${root}/l/${k}`, new Uint8Array([1]));
      expect(await blobs.list(`${root}/l/x/`)).toEqual([`${root}/l/x/1`, `${root}/l/x/2`, `${root}/l/x/sub/3`]);
      expect(await blobs.list(`${root}/l/nothing/`)).toEqual([]);
    });

    it('refuses keys that could escape: traversal, absolute, backslashes, empty segments', async () => {
      for (const bad of ['../x', `${root}/../../etc/passwd`, '/abs', 'a\\b', 'a//b', '', 'a/./b', 'a/', '.hidden', 'a/b\0c']) {
        await expect(blobs.put(bad, new Uint8Array([1]))).rejects.toMatchObject({ code: 'INVALID_BLOB_KEY' });
        await expect(blobs.get(bad)).rejects.toMatchObject({ code: 'INVALID_BLOB_KEY' });
      }
    });
  });
}
