/**
 * Identifying values at any depth of nested sequences, through every upload route (PUT
 * instance, zip batch, multipart batch, STOW-RS): each is refused, nothing is stored, nothing
 * can be downloaded. Datasets nested deeper than MAX_SEQUENCE_DEPTH are refused as MALFORMED
 * whether or not they hold identifying values; clean ones within it are stored.
 */
import { MAX_SEQUENCE_DEPTH } from '@embolus/dicom';
import { zipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { ctSlice, multipart, nestedSequence, uid, type El } from '@embolus/testkit';
import { errorOf, harness } from './helpers/harness';

const h = harness();
afterAll(() => h.close());

const MARKER = 'Deepname^Hidden';
const phiLeaf: El[] = [
  { tag: 0x0040a010, vr: 'CS', value: 'CONTAINS' },
  { tag: 0x00100010, vr: 'PN', value: MARKER },
];
const cleanLeaf: El[] = [{ tag: 0x0040a010, vr: 'CS', value: 'CONTAINS' }];
const DEPTHS = [1, 16, 17, 50, 1000] as const;

type Case = { depth: number; undefinedLength: boolean; sop: string; bytes: Uint8Array };

function instance(depth: number, leaf: El[], undefinedLength: boolean): Case {
  const sop = uid();
  const bytes = ctSlice({ study: uid(), series: uid(), sop, index: 0, extra: [nestedSequence(depth, leaf, undefinedLength)] });
  return { depth, undefinedLength, sop, bytes };
}

/** Every depth with identifying values, in both sequence encodings. */
const phiCases = (): Case[] => DEPTHS.flatMap((d) => [instance(d, phiLeaf, false), instance(d, phiLeaf, true)]);

/** What a refusal of this depth must say. */
function expectedRefusal(depth: number): { code: string; dicomCode?: string } {
  return depth > MAX_SEQUENCE_DEPTH ? { code: 'NOT_DICOM', dicomCode: 'MALFORMED' } : { code: 'NOT_ANONYMIZED' };
}

async function newStudy(key: string): Promise<string> {
  return ((await (await h.request('POST', '/v1/studies', { key })).json()) as { id: string }).id;
}

/** The tenant's stored blobs, and whether any instance of these cases can be downloaded. */
async function leftovers(key: string, study: string, cases: Case[]): Promise<{ blobs: number; listed: number; downloadable: number }> {
  const blobs = (await h.blobs.list('tenants/')).filter((k) => k.includes(`/studies/${study}/`)).length;
  const list = (await (await h.request('GET', `/v1/studies/${study}/instances`, { key })).json()) as { items: unknown[] };
  let downloadable = 0;
  for (const c of cases) if ((await h.request('GET', `/v1/studies/${study}/instances/${c.sop}`, { key })).status === 200) downloadable++;
  return { blobs, listed: list.items.length, downloadable };
}

describe('identifying values at any depth', () => {
  it('PUT instance: refused at depths 1, 16, 17, 50 and 1,000, nothing stored', async () => {
    const key = await h.key('deep-put', 'clinician');
    const study = await newStudy(key);
    const cases = phiCases();
    for (const c of cases) {
      const res = await h.request('PUT', `/v1/studies/${study}/instances/${c.sop}`, {
        key,
        body: c.bytes as never,
        headers: { 'content-type': 'application/dicom' },
      });
      const text = await res.text();
      const label = `depth ${c.depth}${c.undefinedLength ? ' (undefined lengths)' : ''}`;
      expect(res.status, label).toBe(422);
      const err = JSON.parse(text).error as { code: string; details: Record<string, unknown> };
      const want = expectedRefusal(c.depth);
      expect(err.code, label).toBe(want.code);
      if (want.dicomCode) expect(err.details, label).toMatchObject({ dicomCode: want.dicomCode, maxSequenceDepth: MAX_SEQUENCE_DEPTH });
      else expect(err.details['tags'], label).toEqual([{ keyword: 'PatientName', tag: '(0010,0010)' }]);
      expect(text).not.toContain('Deepname');
    }
    expect(await leftovers(key, study, cases)).toEqual({ blobs: 0, listed: 0, downloadable: 0 });
    expect(JSON.stringify(h.logger.lines)).not.toContain('Deepname');
  });

  it('zip batch: every deep entry refused, nothing stored', async () => {
    const key = await h.key('deep-zip', 'clinician');
    const study = await newStudy(key);
    const cases = phiCases();
    const zip = zipSync(Object.fromEntries(cases.map((c, i) => [`e${i}.dcm`, c.bytes])));
    const res = await h.request('POST', `/v1/studies/${study}/instances`, {
      key,
      body: zip as never,
      headers: { 'content-type': 'application/zip' },
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain('Deepname');
    const body = JSON.parse(text) as { stored: number; refused: number; files: { index: number; code: string }[] };
    expect(body).toMatchObject({ stored: 0, refused: cases.length });
    expect(body.files.map((f) => f.code)).toEqual(cases.map((c) => expectedRefusal(c.depth).code));
    expect(await leftovers(key, study, cases)).toEqual({ blobs: 0, listed: 0, downloadable: 0 });
  });

  it('multipart batch: every deep part refused, nothing stored', async () => {
    const key = await h.key('deep-multipart', 'clinician');
    const study = await newStudy(key);
    const cases = phiCases();
    const m = multipart(cases.map((c) => ({ bytes: c.bytes })));
    const res = await h.request('POST', `/v1/studies/${study}/instances`, {
      key,
      body: m.body as never,
      headers: { 'content-type': m.contentType },
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { stored: number; refused: number; files: { code: string }[] };
    expect(body).toMatchObject({ stored: 0, refused: cases.length });
    expect(body.files.map((f) => f.code)).toEqual(cases.map((c) => expectedRefusal(c.depth).code));
    expect(await leftovers(key, study, cases)).toEqual({ blobs: 0, listed: 0, downloadable: 0 });
  });

  it('STOW-RS: every deep part fails, no study gets an instance', async () => {
    const key = await h.key('deep-stow', 'partner');
    const cases = phiCases();
    const m = multipart(
      cases.map((c) => ({ bytes: c.bytes })),
      'related',
    );
    const res = await h.request('POST', '/dicomweb/studies', {
      key,
      body: m.body as never,
      headers: { 'content-type': m.contentType, accept: 'application/dicom+json' },
    });
    expect(res.status).toBe(409);
    const text = await res.text();
    expect(text).not.toContain('Deepname');
    const failed = (JSON.parse(text) as Record<string, { Value: Record<string, { Value: string[] }>[] }>)['00081198']?.Value ?? [];
    expect(failed.map((f) => f['00091001']?.Value[0])).toEqual(cases.map((c) => expectedRefusal(c.depth).code));
    const tenant = await h.deps.store.tenants.ensure('deep-stow');
    expect(await h.blobs.list(`tenants/${tenant.id}/`)).toEqual([]);
    const studies = (await (await h.request('GET', '/v1/studies', { key })).json()) as { items: { id: string }[] };
    for (const s of studies.items) expect(await leftovers(key, s.id, cases)).toEqual({ blobs: 0, listed: 0, downloadable: 0 });
  });
});

describe('the nesting limit', () => {
  it(`stores clean datasets up to ${MAX_SEQUENCE_DEPTH} levels and refuses deeper ones as MALFORMED`, async () => {
    const key = await h.key('deep-clean', 'clinician');
    for (const undefinedLength of [false, true]) {
      for (const depth of [50, MAX_SEQUENCE_DEPTH]) {
        // One study each: every instance has its own Study Instance UID.
        const study = await newStudy(key);
        const c = instance(depth, cleanLeaf, undefinedLength);
        const res = await h.request('PUT', `/v1/studies/${study}/instances/${c.sop}`, {
          key,
          body: c.bytes as never,
          headers: { 'content-type': 'application/dicom' },
        });
        expect(res.status, `clean depth ${depth}`).toBe(201);
      }
      for (const depth of [MAX_SEQUENCE_DEPTH + 1, 1000, 20_000]) {
        const study = await newStudy(key);
        const c = instance(depth, cleanLeaf, undefinedLength);
        const res = await h.request('PUT', `/v1/studies/${study}/instances/${c.sop}`, {
          key,
          body: c.bytes as never,
          headers: { 'content-type': 'application/dicom' },
        });
        expect(res.status, `clean depth ${depth}`).toBe(422);
        expect(await errorOf(res), `clean depth ${depth}`).toMatchObject({ code: 'NOT_DICOM', details: { dicomCode: 'MALFORMED' } });
        expect((await h.request('GET', `/v1/studies/${study}/instances/${c.sop}`, { key })).status).toBe(404);
      }
    }
  });
});
