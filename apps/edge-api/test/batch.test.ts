/**
 * Batch uploads (zip, multipart/form-data) and STOW-RS: per-file outcomes, zip bombs, path
 * traversal, hostile archives, request limits, and the DICOM JSON response.
 */
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ctSlice, ctStudy, multipart, uid, buildZip } from '@embolus/testkit';
import { errorOf, harness, type Harness } from './helpers/harness';

const h = harness();
afterAll(() => h.close());

type Batch = {
  stored: number;
  duplicates: number;
  refused: number;
  skipped: number;
  files: { index: number; name?: string; status: string; code?: string }[];
};

async function newStudy(x: Harness, key: string): Promise<string> {
  return ((await (await x.request('POST', '/v1/studies', { key })).json()) as { id: string }).id;
}

function post(x: Harness, key: string, study: string, body: Uint8Array, type: string) {
  return x.request('POST', `/v1/studies/${study}/instances`, { key, body: body as never, headers: { 'content-type': type } });
}

async function storedBlobs(x: Harness, study: string): Promise<number> {
  return (await x.blobs.list('tenants/')).filter((k) => k.includes(`/studies/${study}/`)).length;
}

describe('zip batches', () => {
  it('gives every entry an outcome: stored, duplicate, refused or skipped', async () => {
    const key = await h.key('batch', 'clinician');
    const study = await newStudy(h, key);
    const s = ctStudy(3);
    await h.request('PUT', `/v1/studies/${study}/instances/${s.slices[2]?.sop}`, {
      key,
      body: s.slices[2]?.bytes as never,
      headers: { 'content-type': 'application/dicom' },
    });
    const zip = zipSync({
      'a/1.dcm': s.slices[0]?.bytes as Uint8Array,
      'a/2.dcm': [s.slices[1]?.bytes as Uint8Array, { level: 0 }],
      'a/3.dcm': s.slices[2]?.bytes as Uint8Array,
      'notes.txt': new TextEncoder().encode('hello'),
      'empty/': new Uint8Array(0),
    });
    const res = await post(h, key, study, zip, 'application/zip');
    expect(res.status).toBe(200);
    const body = (await res.json()) as Batch;
    expect(body).toMatchObject({ stored: 2, duplicates: 1, refused: 1, skipped: 1 });
    expect(body.files.find((f) => f.name === 'notes.txt')).toMatchObject({ status: 'refused', code: 'NOT_DICOM' });
    expect(body.files.find((f) => f.name === 'empty/')).toMatchObject({ status: 'skipped', code: 'DIRECTORY' });
    expect(await storedBlobs(h, study)).toBe(3);
  });

  it('refuses traversal and absolute entry names without echoing them', async () => {
    const key = await h.key('batch', 'clinician');
    const study = await newStudy(h, key);
    const s = ctStudy(4);
    const zip = buildZip([
      { name: '../../etc/cron.d/evil.dcm', data: s.slices[0]?.bytes as Uint8Array },
      { name: '/abs/evil.dcm', data: s.slices[1]?.bytes as Uint8Array },
      { name: 'C:\\windows\\evil.dcm', data: s.slices[2]?.bytes as Uint8Array },
      { name: 'ok/fine.dcm', data: s.slices[3]?.bytes as Uint8Array, deflate: true },
    ]);
    const res = await post(h, key, study, zip, 'application/zip');
    const text = await res.text();
    expect(res.status).toBe(200);
    expect(text).not.toContain('evil');
    const body = JSON.parse(text) as Batch;
    expect(body.files.map((f) => f.code ?? f.status)).toEqual(['UNSAFE_PATH', 'UNSAFE_PATH', 'UNSAFE_PATH', 'stored']);
    expect(await storedBlobs(h, study)).toBe(1);
    expect((await h.blobs.list('')).every((k) => k.startsWith('tenants/'))).toBe(true);
  });

  it('stops inflating at the instance limit whatever the headers declare (zip bombs)', async () => {
    const x = harness({ EMBOLUS_MAX_INSTANCE_BYTES: String(1 << 20), EMBOLUS_MAX_ZIP_INFLATED_BYTES: String(8 << 20) });
    const key = await x.key('t', 'clinician');
    const study = await newStudy(x, key);
    const zeros = new Uint8Array(16 << 20);
    // 16 MiB of zeros deflates to ~16 KiB and claims to be 1 KiB.
    const liar = buildZip([{ name: 'bomb.dcm', data: zeros, deflate: true, declaredSize: 1024 }]);
    expect(liar.length).toBeLessThan(100_000);
    const res = await post(x, key, study, liar, 'application/zip');
    expect(res.status).toBe(200);
    expect(((await res.json()) as Batch).files[0]).toMatchObject({ status: 'refused', code: 'INSTANCE_TOO_LARGE' });
    // Honest headers over the total budget: refused before anything is inflated.
    const honest = buildZip([{ name: 'big.dcm', data: zeros, deflate: true }]);
    const whole = await post(x, key, study, honest, 'application/zip');
    expect(whole.status).toBe(413);
    // Many entries sharing one compressed stream (the overlapping-entries bomb).
    const s = ctStudy(1);
    const overlap = buildZip([
      { name: 'a.dcm', data: s.slices[0]?.bytes as Uint8Array, deflate: true },
      { name: 'b.dcm', data: s.slices[0]?.bytes as Uint8Array, deflate: true, sameDataAs: 0 },
      { name: 'c.dcm', data: s.slices[0]?.bytes as Uint8Array, deflate: true, sameDataAs: 0 },
    ]);
    const o = await post(x, key, study, overlap, 'application/zip');
    expect(o.status).toBe(400);
    expect((await errorOf(o)).message).toContain('overlap');
    expect(await storedBlobs(x, study)).toBe(0);
    x.close();
  });

  it('refuses encrypted, corrupt and unsupported entries, and bodies that are not zips', async () => {
    const key = await h.key('batch', 'clinician');
    const study = await newStudy(h, key);
    const s = ctStudy(3);
    const zip = buildZip([
      { name: 'enc.dcm', data: s.slices[0]?.bytes as Uint8Array, flags: 1 },
      { name: 'crc.dcm', data: s.slices[1]?.bytes as Uint8Array, crc: 12345 },
      { name: 'ok.dcm', data: s.slices[2]?.bytes as Uint8Array },
    ]);
    const body = (await (await post(h, key, study, zip, 'application/zip')).json()) as Batch;
    expect(body.files.map((f) => f.code ?? f.status)).toEqual(['ENTRY_ENCRYPTED', 'ENTRY_CORRUPT', 'stored']);
    expect((await post(h, key, study, new TextEncoder().encode('not a zip'), 'application/zip')).status).toBe(400);
    const truncated = zipSync({ 'x.dcm': s.slices[0]?.bytes as Uint8Array }).subarray(0, 300);
    expect((await post(h, key, study, truncated, 'application/zip')).status).toBe(400);
    expect((await post(h, key, study, zip, 'application/x-tar')).status).toBe(415);
  });

  it('refuses request bodies over the request limit', async () => {
    const x = harness({ EMBOLUS_MAX_REQUEST_BYTES: '5000' });
    const key = await x.key('t', 'clinician');
    const study = await newStudy(x, key);
    const zip = zipSync({ 'a.dcm': crypto.getRandomValues(new Uint8Array(20_000)) }, { level: 0 });
    const res = await post(x, key, study, zip, 'application/zip');
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 5000 } });
    x.close();
  });
});

describe('multipart/form-data batches', () => {
  it('stores each file part and reports the others', async () => {
    const key = await h.key('batch', 'clinician');
    const study = await newStudy(h, key);
    const s = ctStudy(2);
    const m = multipart([
      { name: 'one.dcm', bytes: s.slices[0]?.bytes as Uint8Array },
      { name: 'two.dcm', bytes: s.slices[1]?.bytes as Uint8Array },
      { name: 'three.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]), contentType: 'image/jpeg' },
    ]);
    const body = (await (await post(h, key, study, m.body, m.contentType)).json()) as Batch;
    expect(body).toMatchObject({ stored: 2, refused: 1 });
    expect(body.files.map((f) => [f.name, f.status])).toEqual([
      ['one.dcm', 'stored'],
      ['two.dcm', 'stored'],
      ['three.jpg', 'refused'],
    ]);
    expect((await post(h, key, study, new TextEncoder().encode('garbage'), 'multipart/form-data; boundary=xyz')).status).toBe(400);
  });
});

type StowItem = Record<string, { vr: string; Value: (string | number)[] }>;
type Stow = Record<string, { vr: string; Value: StowItem[] | string[] }>;

describe('STOW-RS', () => {
  async function stow(x: Harness, key: string, files: { bytes: Uint8Array; contentType?: string }[]) {
    const m = multipart(files, 'related');
    return x.request('POST', '/dicomweb/studies', {
      key,
      body: m.body as never,
      headers: { 'content-type': m.contentType, accept: 'application/dicom+json' },
    });
  }

  it('answers 200 with ReferencedSOPSequence when all are stored, grouped into one study', async () => {
    const key = await h.key('stow', 'partner');
    const s = ctStudy(3);
    const res = await stow(
      h,
      key,
      s.slices.map((x) => ({ bytes: x.bytes })),
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dicom+json');
    const body = (await res.json()) as Stow;
    const refs = body['00081199']?.Value as StowItem[];
    expect(refs.map((r) => r['00081155']?.Value[0])).toEqual(s.slices.map((x) => x.sop));
    expect(refs.every((r) => r['00081150']?.Value[0] === '1.2.840.10008.5.1.4.1.1.2')).toBe(true);
    expect(body['00081198']).toBeUndefined();
    const studyIds = new Set(refs.map((r) => r['00091010']?.Value[0]));
    expect(studyIds.size).toBe(1);
    // A second STOW of the same study joins the same Embolus study while it is receiving.
    const more = ctSlice({ study: s.study, series: s.series, sop: uid(), index: 9 });
    const again = (await (await stow(h, key, [{ bytes: more }])).json()) as Stow;
    expect((again['00081199']?.Value as StowItem[] | undefined)?.[0]?.['00091010']?.Value[0]).toBe([...studyIds][0]);
  });

  it('answers 202 with FailedSOPSequence and failure reasons when some fail, 409 when all fail', async () => {
    const key = await h.key('stow', 'partner');
    const sop = uid();
    const phi = ctSlice({ study: uid(), series: uid(), sop, index: 0, extra: [{ tag: 0x00100030, vr: 'DA', value: '19700101' }] });
    const mr = ctSlice({ study: uid(), series: uid(), sop: uid(), index: 0, modality: 'MR', sopClass: '1.2.840.10008.5.1.4.1.1.4' });
    const ok = ctStudy(1).slices[0]?.bytes as Uint8Array;
    const res = await stow(h, key, [{ bytes: phi }, { bytes: mr }, { bytes: new Uint8Array([1, 2, 3]) }, { bytes: ok }]);
    expect(res.status).toBe(202);
    const text = await res.text();
    expect(text).not.toContain('19700101');
    const body = JSON.parse(text) as Stow;
    const failed = body['00081198']?.Value as StowItem[];
    expect(failed.map((f) => f['00081197']?.Value[0])).toEqual([0x0110, 0x0122, 0xc000]);
    expect(failed[0]?.['00081155']?.Value[0]).toBe(sop);
    expect(failed[0]?.['00091001']?.Value[0]).toBe('NOT_ANONYMIZED');
    expect(failed[0]?.['00091002']?.Value[0]).toContain('PatientBirthDate (0010,0030)');
    expect((body['00081199']?.Value as StowItem[] | undefined)?.length).toBe(1);
    const none = await stow(h, key, [{ bytes: phi }]);
    expect(none.status).toBe(409);
  });

  it('refuses other media types and malformed bodies', async () => {
    const key = await h.key('stow', 'partner');
    const json = await h.request('POST', '/dicomweb/studies', {
      key,
      body: '--x--',
      headers: { 'content-type': 'multipart/related; type="application/dicom+json"; boundary=x' },
    });
    expect(json.status).toBe(415);
    const plain = await h.request('POST', '/dicomweb/studies', { key, body: 'x', headers: { 'content-type': 'application/dicom' } });
    expect(plain.status).toBe(415);
    const broken = await h.request('POST', '/dicomweb/studies', {
      key,
      body: 'no boundary here',
      headers: { 'content-type': 'multipart/related; type="application/dicom"; boundary=abc' },
    });
    expect(broken.status).toBe(400);
    const clinicianOther = await h.key('stow', 'quality');
    expect((await stow(h, clinicianOther, [{ bytes: new Uint8Array(4) }])).status).toBe(403);
  });
});
