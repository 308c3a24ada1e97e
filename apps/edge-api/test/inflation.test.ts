/**
 * Bounded inflation: zip entries and Deflated Explicit VR Little Endian datasets are inflated in
 * bounded chunks that stop at the limit (typed refusals, peak memory measured from /proc in a
 * child process), and a large legal entry pauses for the event loop while it is extracted (the
 * latency this buys is measured by bench/hardening.bench.ts, not timed here).
 */
import { spawnSync } from 'node:child_process';
import { deflateRawSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { INFLATE_MAX_SLICE_BYTES, INFLATE_STEP_OUTPUT_BYTES, inflateRawBounded, inflateRawChunks, InflateLimitError } from '@embolus/dicom';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ctImage, part10, uid } from '@embolus/testkit';
import { bombInflatedSize, deflateBomb, deflatedDicomBomb, zipBomb } from '@embolus/testkit/bombs';
import { errorOf, harness, type Harness } from './helpers/harness';
import { extractEntry, readZipDirectory, YIELD_EVERY_BYTES, yieldToEventLoop } from '../src/upload/zip';

const here = path.dirname(fileURLToPath(import.meta.url));
const MiB = 1 << 20;
const h = harness();
afterAll(() => h.close());

async function newStudy(x: Harness, key: string): Promise<string> {
  return ((await (await x.request('POST', '/v1/studies', { key })).json()) as { id: string }).id;
}

/** A CT slice in the Deflated Explicit VR Little Endian transfer syntax. */
function deflatedCt(size: number): { sop: string; bytes: Uint8Array } {
  const sop = uid();
  const pixels = new Uint16Array(size * size).map((_, i) => 1000 + (i % 377));
  const els = ctImage({ rows: size, cols: size, pixels, sop, series: uid(), extra: [{ tag: 0x0020000d, vr: 'UI', value: uid() }] });
  return { sop, bytes: part10(els, '1.2.840.10008.1.2.1.99', 'explicit-le', (body) => deflateRawSync(body)) };
}

describe('bounded inflation', () => {
  it('hands out bounded chunks and stops when the caller stops', () => {
    const bomb = deflateBomb();
    expect(bomb.length).toBeLessThan(1_100_000);
    let seen = 0;
    let largest = 0;
    for (const chunk of inflateRawChunks(bomb)) {
      largest = Math.max(largest, chunk.length);
      seen += chunk.length;
      if (seen > 64 * MiB) break;
    }
    // ~1 GiB in the stream, handed out in steps of about INFLATE_STEP_OUTPUT_BYTES (1 KiB slices
    // of a bomb); no step can pass 1032 × INFLATE_MAX_SLICE_BYTES (deflate's largest ratio).
    expect(bombInflatedSize()).toBeGreaterThan(900 * MiB);
    expect(largest).toBeLessThanOrEqual(2 * INFLATE_STEP_OUTPUT_BYTES);
    expect(1032 * INFLATE_MAX_SLICE_BYTES).toBeLessThanOrEqual(17 * MiB);
    expect(seen).toBeLessThan(64 * MiB + largest + 1);
    expect(() => inflateRawBounded(bomb, 16 * MiB)).toThrow(InflateLimitError);
    const small = deflateRawSync(new TextEncoder().encode('hello, inflated world'));
    expect(new TextDecoder().decode(inflateRawBounded(small, 100, new TextEncoder().encode('>> ')))).toBe('>> hello, inflated world');
    expect(() => inflateRawBounded(small.subarray(0, small.length - 3), 100)).toThrow();
  });

  it('refuses a 1 MB zip whose entry claims 1,000 bytes, typed, nothing stored', async () => {
    const key = await h.key('bomb-zip', 'clinician');
    const study = await newStudy(h, key);
    const res = await h.request('POST', `/v1/studies/${study}/instances`, {
      key,
      body: zipBomb() as never,
      headers: { 'content-type': 'application/zip' },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { stored: number; files: { status: string; code: string; message: string }[] };
    expect(body.stored).toBe(0);
    expect(body.files[0]).toMatchObject({
      status: 'refused',
      code: 'INSTANCE_TOO_LARGE',
      message: 'entry inflates past its declared size',
    });
    expect(await h.blobs.list(`tenants/`)).toEqual([]);
  });

  it('refuses a 1 MB deflated-syntax DICOM bomb at the instance limit, typed', async () => {
    const key = await h.key('bomb-dicom', 'clinician');
    const study = await newStudy(h, key);
    const res = await h.request('PUT', `/v1/studies/${study}/instances/1.2.3.4`, {
      key,
      body: deflatedDicomBomb() as never,
      headers: { 'content-type': 'application/dicom' },
    });
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({
      code: 'NOT_DICOM',
      details: { dicomCode: 'IMAGE_TOO_LARGE', limit: h.deps.config.maxInstanceBytes },
    });
  });

  it('stores deflated instances that inflate within the instance limit, refuses larger ones', async () => {
    const x = harness({ EMBOLUS_MAX_INSTANCE_BYTES: String(256 * 1024) });
    const key = await x.key('t', 'clinician');
    const small = deflatedCt(256); // 128 KiB of pixels inflated
    const large = deflatedCt(384); // 288 KiB inflated, far less deflated: within the old 4x bound
    expect(large.bytes.length).toBeLessThan(256 * 1024);
    const put = async (c: { sop: string; bytes: Uint8Array }) =>
      x.request('PUT', `/v1/studies/${await newStudy(x, key)}/instances/${c.sop}`, {
        key,
        body: c.bytes as never,
        headers: { 'content-type': 'application/dicom' },
      });
    expect((await put(small)).status).toBe(201);
    const refused = await put(large);
    expect(refused.status).toBe(422);
    expect(await errorOf(refused)).toMatchObject({ code: 'NOT_DICOM', details: { dicomCode: 'IMAGE_TOO_LARGE', limit: 256 * 1024 } });
    x.close();
  });

  it('pauses for the event loop while a large legal entry is extracted', async () => {
    const zeros = new Uint8Array(32 * MiB);
    const zip = zipSync({ 'deflated.bin': zeros, 'stored.bin': [zeros, { level: 0 }] });
    for (const entry of readZipDirectory(zip, { maxEntries: 10, maxTotalBytes: 1 << 30 })) {
      let pauses = 0;
      const out = await extractEntry(zip, entry, 64 * MiB, async () => {
        pauses++;
        await yieldToEventLoop();
      });
      expect(out.length, entry.name).toBe(32 * MiB);
      // One pause per YIELD_EVERY_BYTES of work, give or take a step: at least one per two.
      expect(pauses, entry.name).toBeGreaterThanOrEqual((32 * MiB) / (2 * YIELD_EVERY_BYTES));
      // With the default pause, a timer due before extraction starts runs before it ends.
      let fired = false;
      setTimeout(() => (fired = true), 0);
      await extractEntry(zip, entry, 64 * MiB);
      expect(fired, entry.name).toBe(true);
    }
  });

  it.each(['zip', 'dicom'])('four concurrent %s bombs raise peak RSS by at most 256 MB (/proc, child process)', (kind) => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(here, 'helpers/bomb-rss.ts'), kind, '4'], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout.trim().split('\n').pop() as string) as {
      growthMb: number;
      responses: { status: number; body: unknown }[];
    };
    const refused = out.responses.map((r) =>
      kind === 'zip'
        ? (r.body as { files: { code: string }[] }).files[0]?.code
        : (r.body as { error: { details: { dicomCode: string } } }).error.details.dicomCode,
    );
    expect(refused).toEqual(kind === 'zip' ? Array(4).fill('INSTANCE_TOO_LARGE') : Array(4).fill('IMAGE_TOO_LARGE'));
    expect(out.growthMb).toBeGreaterThan(0);
    expect(out.growthMb).toBeLessThanOrEqual(256);
  });
});
