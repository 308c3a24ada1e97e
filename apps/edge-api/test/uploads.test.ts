/**
 * Uploads: single PUT (idempotency, conflicts, refusals, limits), corrupted and oversized
 * bodies. Every uploaded byte is either stored or refused with a reason.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ctImage, part10, ctSlice, ctStudy, uid } from '@embolus/testkit';
import { errorOf, harness, type Harness } from './helpers/harness';

const h = harness();
afterAll(() => h.close());

async function newStudy(x: Harness, key: string): Promise<string> {
  return ((await (await x.request('POST', '/v1/studies', { key })).json()) as { id: string }).id;
}

function put(x: Harness, key: string, study: string, sop: string, body: Uint8Array | ReadableStream, type = 'application/dicom') {
  return x.request('PUT', `/v1/studies/${study}/instances/${sop}`, { key, body: body as never, headers: { 'content-type': type } });
}

async function blobCount(x: Harness, study: string): Promise<number> {
  return (await x.blobs.list('tenants/')).filter((k) => k.includes(`/studies/${study}/`)).length;
}

describe('PUT /v1/studies/{id}/instances/{sopUid}', () => {
  it('stores once, answers 200 to the same bytes and 409 to different bytes', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const sop = uid();
    const a = ctSlice({ study: uid(), series: uid(), sop, index: 0 });
    const b = ctSlice({ study: uid(), series: uid(), sop, index: 1 });
    const first = await put(h, key, study, sop, a);
    expect(first.status).toBe(201);
    expect(await first.json()).toMatchObject({ status: 'stored', sopInstanceUid: sop, size: a.length });
    const again = await put(h, key, study, sop, a);
    expect(again.status).toBe(200);
    expect((await again.json()) as object).toMatchObject({ status: 'duplicate' });
    const conflict = await put(h, key, study, sop, b);
    expect(conflict.status).toBe(409);
    expect((await errorOf(conflict)).code).toBe('CONFLICT');
    expect(await blobCount(h, study)).toBe(1);
    const detail = (await (await h.request('GET', `/v1/studies/${study}`, { key })).json()) as { series: { instanceCount: number }[] };
    expect(detail.series[0]?.instanceCount).toBe(1);
  });

  it('stores concurrent identical PUTs once', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const sop = uid();
    const bytes = ctSlice({ study: uid(), series: uid(), sop, index: 0 });
    const statuses = (await Promise.all(Array.from({ length: 6 }, () => put(h, key, study, sop, bytes)))).map((r) => r.status).sort();
    expect(statuses).toEqual([200, 200, 200, 200, 200, 201]);
    expect(await blobCount(h, study)).toBe(1);
  });

  it('refuses a SOP Instance UID that differs from the URL, other media types and unknown studies', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const bytes = ctSlice({ study: uid(), series: uid(), sop: uid(), index: 0 });
    const mismatch = await put(h, key, study, uid(), bytes);
    expect(mismatch.status).toBe(422);
    expect((await errorOf(mismatch)).code).toBe('SOP_UID_MISMATCH');
    expect((await put(h, key, study, uid(), bytes, 'application/octet-stream')).status).toBe(415);
    expect((await put(h, key, 'no-such-study', uid(), bytes)).status).toBe(404);
    expect(
      (
        await h.request('PUT', `/v1/studies/${study}/instances/not..a..uid`, {
          key,
          body: bytes as never,
          headers: { 'content-type': 'application/dicom' },
        })
      ).status,
    ).toBe(400);
    expect(await blobCount(h, study)).toBe(0);
  });

  it('refuses bytes that are not DICOM, truncated or corrupted, with the DICOM code', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const sop = uid();
    const good = ctSlice({ study: uid(), series: uid(), sop, index: 0, size: 32 });
    const cases: [string, Uint8Array][] = [
      ['random bytes', crypto.getRandomValues(new Uint8Array(4096))],
      ['text', new TextEncoder().encode('%PDF-1.7 not an image')],
      ['empty', new Uint8Array(0)],
      ['truncated in the header', good.subarray(0, 200)],
      ['truncated in the pixel data', good.subarray(0, good.length - 700)],
      [
        'corrupted element length',
        (() => {
          const c = good.slice();
          // The VR/length of the first dataset element, after the 132-byte preamble and file meta.
          const dv = new DataView(c.buffer);
          for (let at = 132; at + 8 < c.length; at++)
            if (dv.getUint16(at, true) === 0x0008 && dv.getUint16(at + 2, true) === 0x0016) {
              dv.setUint16(at + 6, 0xfff0, true);
              break;
            }
          return c;
        })(),
      ],
    ];
    for (const [name, bytes] of cases) {
      const res = await put(h, key, study, sop, bytes);
      expect(res.status, name).toBe(422);
      const err = await errorOf(res);
      expect(['NOT_DICOM', 'MISSING_SOP_UID', 'SOP_UID_MISMATCH', 'NO_PIXEL_DATA'], name).toContain(err.code);
    }
    expect(await blobCount(h, study)).toBe(0);
    expect((await put(h, key, study, sop, good)).status).toBe(201);
  });

  it('refuses instances that are not CT images', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const sop = uid();
    const mr = ctSlice({ study: uid(), series: uid(), sop, index: 0, modality: 'MR', sopClass: '1.2.840.10008.5.1.4.1.1.4' });
    const res = await put(h, key, study, sop, mr);
    expect(res.status).toBe(422);
    expect(await errorOf(res)).toMatchObject({ code: 'NOT_CT', details: { modality: 'MR', sopClassUid: '1.2.840.10008.5.1.4.1.1.4' } });
    const ctLabelledMr = ctSlice({ study: uid(), series: uid(), sop, index: 0, modality: 'MR' });
    expect((await errorOf(await put(h, key, study, sop, ctLabelledMr))).code).toBe('NOT_CT');
    const noPixels = part10(ctImage({ rows: 4, cols: 4, pixels: new Uint16Array(16), sop }).filter((e) => e.tag !== 0x7fe00010));
    expect((await errorOf(await put(h, key, study, sop, noPixels))).code).toBe('NO_PIXEL_DATA');
  });

  it('refuses oversized instances, by Content-Length and while streaming', async () => {
    const x = harness({ EMBOLUS_MAX_INSTANCE_BYTES: '2000' });
    const key = await x.key('t', 'clinician');
    const study = await newStudy(x, key);
    const sop = uid();
    const big = ctSlice({ study: uid(), series: uid(), sop, index: 0, size: 64 });
    const res = await put(x, key, study, sop, big);
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 2000 } });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < big.length; i += 1000) c.enqueue(big.subarray(i, i + 1000));
        c.close();
      },
    });
    const streamed = await x.app.request(`/v1/studies/${study}/instances/${sop}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/dicom' },
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(await blobCount(x, study)).toBe(0);
    x.close();
  });

  it('enforces the per-study byte and instance limits', async () => {
    const s = ctStudy(3);
    const size = s.slices[0]?.bytes.length as number;
    const x = harness({ EMBOLUS_MAX_STUDY_BYTES: String(size * 2 + 10) });
    const key = await x.key('t', 'clinician');
    const study = await newStudy(x, key);
    for (const slice of s.slices.slice(0, 2)) expect((await put(x, key, study, slice.sop, slice.bytes)).status).toBe(201);
    const third = await put(x, key, study, s.slices[2]?.sop as string, s.slices[2]?.bytes as Uint8Array);
    expect(third.status).toBe(413);
    expect((await errorOf(third)).code).toBe('STUDY_TOO_LARGE');
    expect(await blobCount(x, study)).toBe(2);
    x.close();
    const y = harness({ EMBOLUS_MAX_STUDY_INSTANCES: '1' });
    const k2 = await y.key('t', 'clinician');
    const st2 = await newStudy(y, k2);
    await put(y, k2, st2, s.slices[0]?.sop as string, s.slices[0]?.bytes as Uint8Array);
    expect((await errorOf(await put(y, k2, st2, s.slices[1]?.sop as string, s.slices[1]?.bytes as Uint8Array))).code).toBe(
      'TOO_MANY_INSTANCES',
    );
    y.close();
  });

  it('refuses instances of another Study Instance UID, and new instances after submit', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const s = ctStudy(2);
    expect((await put(h, key, study, s.slices[0]?.sop as string, s.slices[0]?.bytes as Uint8Array)).status).toBe(201);
    const otherSop = uid();
    const other = ctSlice({ study: uid(), series: uid(), sop: otherSop, index: 0 });
    expect((await errorOf(await put(h, key, study, otherSop, other))).code).toBe('STUDY_UID_MISMATCH');
    expect((await h.request('POST', `/v1/studies/${study}/submit`, { key })).status).toBe(202);
    const late = await put(h, key, study, s.slices[1]?.sop as string, s.slices[1]?.bytes as Uint8Array);
    expect(late.status).toBe(409);
    expect((await errorOf(late)).code).toBe('STUDY_LOCKED');
    expect((await put(h, key, study, s.slices[0]?.sop as string, s.slices[0]?.bytes as Uint8Array)).status).toBe(200);
    expect(await blobCount(h, study)).toBe(1);
  });

  it('refuses to submit an empty study', async () => {
    const key = await h.key('up', 'clinician');
    const study = await newStudy(h, key);
    const res = await h.request('POST', `/v1/studies/${study}/submit`, { key });
    expect(res.status).toBe(422);
    expect((await errorOf(res)).code).toBe('EMPTY_STUDY');
  });
});
