/**
 * DICOMweb QIDO-RS and WADO-RS through app.request: match keys, paging, 204 on no match, tenant
 * scoping (404 for another tenant's UIDs), roles, Accept negotiation (406), byte-exact
 * retrieves, metadata without inline pixel data, frames and rendered PNGs, audit records.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decode as decodePng } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeDicom } from '@embolus/dicom';
import { ctSlice, multipart, uid, type El } from '@embolus/testkit';
import { modifiedCopy } from '@embolus/testkit/dcmtk';
import { hashPassword } from '../src/auth/password';
import { headerParams, parseMultipart } from '../src/upload/multipart';
import { harness, type Harness } from './helpers/harness';

type Json = Record<string, { vr: string; Value?: unknown[]; BulkDataURI?: string; InlineBinary?: string }>;

const STUDY = uid();
const SERIES = [uid(), uid()];
function slices(study: string, series: string[], perSeries: number, extra: (s: number) => El[]) {
  return series.flatMap((se, s) =>
    Array.from({ length: perSeries }, (_, index) => {
      const sop = uid();
      return { sop, series: se, bytes: ctSlice({ study, series: se, sop, index, size: 16, extra: extra(s) }) };
    }),
  );
}
const FILES = slices(STUDY, SERIES, 3, (s) => [
  { tag: 0x00080020, vr: 'DA', value: '20260115' },
  { tag: 0x00081030, vr: 'LO', value: 'CTPA chest' },
  { tag: 0x0008103e, vr: 'LO', value: s === 0 ? 'Axial 1.25' : 'Scout' },
  { tag: 0x00200011, vr: 'IS', value: String(s + 1) },
]);

async function stow(x: Harness, key: string, files: { bytes: Uint8Array }[]): Promise<void> {
  const m = multipart(files, 'related');
  const res = await x.request('POST', '/dicomweb/studies', { key, body: m.body as never, headers: { 'content-type': m.contentType } });
  expect(res.status, await res.clone().text()).toBe(200);
}

/** The parts of a multipart/related answer. */
async function parts(res: Response) {
  const type = res.headers.get('content-type') ?? '';
  expect(type).toMatch(/^multipart\/related/);
  return parseMultipart(new Uint8Array(await res.arrayBuffer()), headerParams(type)['boundary'] ?? '', 10_000);
}

let x: Harness;
let key: string;
let other: string;
beforeAll(async () => {
  x = harness();
  key = await x.key('dw-a', 'clinician');
  other = await x.key('dw-b', 'clinician');
  await stow(x, key, FILES);
});

const get = (p: string, k = key, headers: Record<string, string> = {}) => x.request('GET', p, { key: k, headers });

describe('QIDO-RS', () => {
  it('finds the study with its stored attributes, counts and RetrieveURL', async () => {
    const res = await get(`/dicomweb/studies?StudyInstanceUID=${STUDY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/dicom+json');
    expect(res.headers.get('cache-control')).toContain('no-store');
    const [s] = (await res.json()) as Json[];
    expect(s!['0020000D']!.Value).toEqual([STUDY]);
    expect(s!['00080020']!.Value).toEqual(['20260115']);
    // AccessionNumber is refused at upload (PS3.15 Basic Profile), so it is always empty here.
    expect(s!['00080050']).toEqual({ vr: 'SH' });
    expect(s!['00080061']!.Value).toEqual(['CT']);
    expect(s!['00201206']!.Value).toEqual([2]);
    expect(s!['00201208']!.Value).toEqual([6]);
    expect(s!['00081190']!.Value).toEqual([`/dicomweb/studies/${STUDY}`]);
  });

  it('matches date ranges, tags, wildcards and answers 204 when nothing matches', async () => {
    for (const q of [
      'StudyDate=20260101-20260131',
      'StudyDate=20260115',
      'StudyDate=-20260115',
      '00080020=20260115-',
      `0020000D=${STUDY}`,
      'StudyDescription=CTPA*',
      'StudyDescription=CTPA?chest',
      'ModalitiesInStudy=CT',
      'ModalitiesInStudy=MR\\CT',
      'ModalitiesInStudy=MR,CT',
    ]) {
      const res = await get(`/dicomweb/studies?${q}`);
      expect(res.status, q).toBe(200);
    }
    for (const q of ['StudyDate=20260116-', 'StudyDate=-20260114', 'StudyDescription=MR*', 'AccessionNumber=ACC4', 'Modality=MR']) {
      const res = await get(`/dicomweb/studies?${q}`);
      expect(res.status, q).toBe(204);
      expect(await res.text()).toBe('');
    }
  });

  it('refuses malformed match values with the parameter named', async () => {
    const res = await get('/dicomweb/studies?StudyDate=2026-01-15');
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { details: { parameter: string } } }).error.details.parameter).toBe('StudyDate');
  });

  it('warns about keys it does not store', async () => {
    const res = await get(`/dicomweb/studies?PatientName=DOE*&StudyInstanceUID=${STUDY}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('warning')).toMatch(/^299 .*PatientName/);
    const odd = await get(`/dicomweb/studies?${encodeURIComponent('Pätient"\r\nX')}=1&00100020=x`);
    expect(odd.status).toBe(200);
    expect(odd.headers.get('warning')).toMatch(/^299 .*P\?tient\?\?\?X, PatientID"$/);
  });

  it('searches series and instances at every level, with limit and offset', async () => {
    const series = (await (await get(`/dicomweb/studies/${STUDY}/series`)).json()) as Json[];
    expect(series.map((s) => s['0020000E']!.Value![0])).toEqual(SERIES);
    expect(series[1]!['0008103E']!.Value).toEqual(['Scout']);
    const scout = (await (await get('/dicomweb/series?SeriesDescription=Sc*')).json()) as Json[];
    expect(scout.map((s) => s['0020000E']!.Value![0])).toEqual([SERIES[1]]);
    const inst = (await (await get(`/dicomweb/studies/${STUDY}/series/${SERIES[0]}/instances`)).json()) as Json[];
    expect(inst.map((i) => i['00080018']!.Value![0])).toEqual(FILES.slice(0, 3).map((f) => f.sop));
    expect(inst[0]!['00200013']!.Value).toEqual([1]);
    expect(inst[0]!['00280010']!.Value).toEqual([16]);
    const page = (await (await get(`/dicomweb/studies/${STUDY}/instances?limit=2&offset=3`)).json()) as Json[];
    expect(page.map((i) => i['00080018']!.Value![0])).toEqual(FILES.slice(3, 5).map((f) => f.sop));
    const all = (await (await get(`/dicomweb/instances?SOPInstanceUID=${FILES[4]!.sop}`)).json()) as Json[];
    expect(all).toHaveLength(1);
  });

  it('shows nothing of another tenant: 204 for searches, 404 for a study in the path', async () => {
    expect((await get(`/dicomweb/studies?StudyInstanceUID=${STUDY}`, other)).status).toBe(204);
    expect((await get('/dicomweb/instances', other)).status).toBe(204);
    expect((await get(`/dicomweb/studies/${STUDY}/series`, other)).status).toBe(404);
    expect((await get(`/dicomweb/studies/${STUDY}/series/${SERIES[0]}/instances`, other)).status).toBe(404);
  });

  it('authorizes a dashboard session cookie as it does a key', async () => {
    const t = await x.deps.store.tenants.ensure('dw-a');
    await x.deps.store.users.create({
      tenantId: t.id,
      email: 'reader@dw-a.test',
      role: 'clinician',
      passwordHash: await hashPassword('a long enough password'),
    });
    const signIn = await x.app.request('/v1/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://localhost' },
      body: JSON.stringify({ email: 'reader@dw-a.test', password: 'a long enough password' }),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
    const res = await x.app.request(`/dicomweb/studies/${STUDY}/series`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json[]).length).toBe(2);
    expect(
      (await x.app.request(`/dicomweb/studies/${STUDY}/series`, { headers: { cookie: 'embolus_session=not-a-session' } })).status,
    ).toBe(401);
  });

  it('refuses runners (403) and requests without a key (401)', async () => {
    const runner = await x.key('dw-a', 'runner');
    expect((await get('/dicomweb/studies', runner)).status).toBe(403);
    expect((await x.app.request('/dicomweb/studies')).status).toBe(401);
  });

  it('lets a listed viewer origin send Accept with quoted parameters (CORS preflight) and read Warning', async () => {
    const c = harness({ EMBOLUS_CORS_ORIGINS: 'https://viewer.example' });
    const pre = await c.app.request('/dicomweb/studies/1.2/series/3.4', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://viewer.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'accept, authorization',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('accept');
    const k = await c.key('dw-cors', 'clinician');
    const res = await c.request('GET', '/dicomweb/studies?PatientID=x', { key: k, headers: { origin: 'https://viewer.example' } });
    expect(res.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('warning');
    c.close();
  });

  it('answers 406 for a media type it does not offer', async () => {
    expect((await get('/dicomweb/studies', key, { accept: 'application/dicom+xml' })).status).toBe(406);
    expect((await get('/dicomweb/studies', key, { accept: 'multipart/related' })).status).toBe(406);
    expect(
      (await get('/dicomweb/studies', key, { accept: 'multipart/related; type="application/dicom+xml", application/dicom+json;q=0.5' }))
        .status,
    ).toBe(200);
  });
});

describe('WADO-RS', () => {
  const inst = (i: number) => `/dicomweb/studies/${STUDY}/series/${FILES[i]!.series}/instances/${FILES[i]!.sop}`;

  it('retrieves an instance byte for byte', async () => {
    const res = await get(inst(1), key, { accept: 'multipart/related; type="application/dicom"; transfer-syntax=*' });
    expect(res.status).toBe(200);
    const p = await parts(res);
    expect(p).toHaveLength(1);
    expect(p[0]!.contentType).toContain('application/dicom');
    expect(Buffer.from(p[0]!.body).equals(Buffer.from(FILES[1]!.bytes))).toBe(true);
  });

  it('retrieves a series and a study in instance order, each part the uploaded bytes', async () => {
    const series = await parts(await get(`/dicomweb/studies/${STUDY}/series/${SERIES[1]}`));
    expect(series.map((p) => Buffer.from(p.body).toString('base64'))).toEqual(
      FILES.slice(3).map((f) => Buffer.from(f.bytes).toString('base64')),
    );
    const study = await parts(await get(`/dicomweb/studies/${STUDY}`));
    expect(study).toHaveLength(6);
  });

  it('answers 404 for another tenant’s UIDs and 406 for a transfer syntax it would have to transcode', async () => {
    expect((await get(inst(0), other)).status).toBe(404);
    expect((await get(`/dicomweb/studies/${STUDY}`, other)).status).toBe(404);
    expect((await get(`${inst(0)}/metadata`, other)).status).toBe(404);
    expect((await get(`${inst(0)}/frames/1`, other)).status).toBe(404);
    expect(
      (await get(inst(0), key, { accept: 'multipart/related; type="application/dicom"; transfer-syntax=1.2.840.10008.1.2.4.50' })).status,
    ).toBe(406);
    expect((await get(inst(0), key, { accept: 'image/jpeg' })).status).toBe(406);
  });

  it('answers metadata as DICOM JSON with pixel data by BulkDataURI only', async () => {
    const res = await get(`/dicomweb/studies/${STUDY}/series/${SERIES[0]}/metadata`);
    expect(res.headers.get('content-type')).toBe('application/dicom+json');
    const meta = (await res.json()) as Json[];
    expect(meta).toHaveLength(3);
    const m = meta[0]!;
    expect(m['00080018']!.Value).toEqual([FILES[0]!.sop]);
    expect(m['00280010']).toEqual({ vr: 'US', Value: [16] });
    expect(m['00200032']!.Value).toEqual([0, 0, 0]);
    expect(m['7FE00010']!.InlineBinary).toBeUndefined();
    expect(m['7FE00010']!.BulkDataURI).toBe(`${inst(0)}/bulkdata/7FE00010`);
    const bulk = await parts(await get(m['7FE00010']!.BulkDataURI!));
    const decoded = await decodeDicom(FILES[0]!.bytes);
    expect([...new Uint16Array(bulk[0]!.body.slice().buffer)]).toEqual([...decoded.stored]);
  });

  it('answers frames uncompressed, equal to the uploaded pixels', async () => {
    const res = await get(`${inst(2)}/frames/1`, key, { accept: 'multipart/related; type="application/octet-stream"' });
    expect(res.status).toBe(200);
    const [f] = await parts(res);
    const decoded = await decodeDicom(FILES[2]!.bytes);
    expect([...new Uint16Array(f!.body.slice().buffer)]).toEqual([...decoded.stored]);
    expect((await get(`${inst(2)}/frames/2`)).status).toBe(404);
  });

  it('renders a frame as PNG with the window asked for', async () => {
    const a = await get(`${inst(0)}/rendered?window=1200,400`, key, { accept: 'image/png' });
    expect(a.status).toBe(200);
    expect(a.headers.get('content-type')).toBe('image/png');
    const pa = decodePng(new Uint8Array(await a.arrayBuffer()));
    expect([pa.width, pa.height, pa.channels]).toEqual([16, 16, 1]);
    const b = decodePng(
      new Uint8Array(await (await get(`${inst(0)}/frames/1/rendered?window=1000,100`, key, { accept: 'image/*' })).arrayBuffer()),
    );
    // Stored values 1000..1399 (rescale 1, intercept 0): the narrow window saturates more pixels.
    const sat = (d: ArrayLike<number>) => Array.from(d).filter((v) => v === 255).length;
    expect(sat(b.data)).toBeGreaterThan(sat(pa.data));
    expect((await get(`${inst(0)}/rendered`, key, { accept: 'image/jpeg' })).status).toBe(406);
    expect((await get(`${inst(0)}/rendered`, key, { accept: 'multipart/related; type="image/png"' })).status).toBe(406);
  });

  it('cuts the stream and logs a code (no UIDs) when a blob is gone mid-series', async () => {
    const h = harness();
    const k = await h.key('dw-cut', 'clinician');
    const files = slices(uid(), [uid()], 3, () => []);
    await stow(h, k, files);
    const rows = await h.deps.store.dicomweb.instances(
      (await h.deps.store.tenants.ensure('dw-cut')).id,
      { sopInstanceUid: [files[1]!.sop] },
      { limit: 1, offset: 0 },
    );
    await h.blobs.delete(rows[0]!.blobKey);
    const res = await h.request('GET', `/dicomweb/studies/${rows[0]!.studyInstanceUid}/series/${files[0]!.series}`, { key: k });
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
    const line = h.logger.lines.find((l) => l.event === 'dicomweb.stream_failed');
    expect(line?.fields['code']).toBe('NOT_FOUND');
    expect(JSON.stringify(h.logger.lines)).not.toContain(files[1]!.sop);
    h.close();
  });

  it('audits every retrieve against the Embolus study', async () => {
    const rows = await x.deps.store.driver.select(
      "SELECT action, detail FROM audit_log WHERE action IN ('instance.read', 'dicomweb.search')",
      [],
    );
    const details = rows.map((r) => `${r['action']} ${r['detail']}`).join('\n');
    expect(details).toContain('"via":"wado-rs"');
    expect(details).toContain('"level":"frames"');
    expect(details).toContain('dicomweb.search');
  });
});

describe('a compressed transfer syntax (RLE Lossless from the shared corpus)', () => {
  const dir = path.resolve(__dirname, '../../../../shared/data/dicom-corpus/cornerstone_CTImage_all_transfer_syntaxes');
  it('serves frames decoded by default and as stored with transfer-syntax=*', async () => {
    // The corpus file names a (made-up) patient and accession: blanked, as an upload must be.
    const tmp = mkdtempSync(path.join(tmpdir(), 'dw-rle-'));
    const src = path.join(dir, 'CTImage.dcm_RLELosslessTransferSyntax_1.2.840.10008.1.2.5.dcm');
    const blanked = await modifiedCopy(
      src,
      path.join(tmp, 'rle.dcm'),
      ['0008,0050', '0010,0010', '0010,0020', '0020,0010'].flatMap((t) => ['-m', `(${t})=`]),
    );
    const rle = new Uint8Array(readFileSync(blanked));
    rmSync(tmp, { recursive: true, force: true });
    const h = harness();
    const k = await h.key('dw-rle', 'clinician');
    const m = multipart([{ bytes: rle }], 'related');
    const stored = await h.request('POST', '/dicomweb/studies', {
      key: k,
      body: m.body as never,
      headers: { 'content-type': m.contentType },
    });
    expect(stored.status, await stored.clone().text()).toBe(200);
    const [i] = (await (await h.request('GET', '/dicomweb/instances', { key: k })).json()) as Json[];
    expect(i!['00083002']!.Value).toEqual(['1.2.840.10008.1.2.5']);
    const url = new URL(String(i!['00081190']!.Value![0]), 'http://x').pathname;
    const native = await parts(await h.request('GET', `${url}/frames/1`, { key: k }));
    expect(native[0]!.headers['content-type']).toContain('1.2.840.10008.1.2.1');
    const decoded = await decodeDicom(rle);
    const bits = [...new Int16Array(native[0]!.body.slice().buffer)];
    expect(bits).toEqual([...decoded.stored]);
    const asStored = await parts(
      await h.request('GET', `${url}/frames/1`, {
        key: k,
        headers: { accept: 'multipart/related; type="application/octet-stream"; transfer-syntax=*' },
      }),
    );
    expect(asStored[0]!.headers['content-type']).toContain('1.2.840.10008.1.2.5');
    expect(asStored[0]!.body.length).toBeLessThan(native[0]!.body.length);
    h.close();
  });
});
