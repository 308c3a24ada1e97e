/**
 * Anonymization: one refusal case for every identifying attribute of the profile list, nested
 * sequences, the PatientID pseudonym pattern, PatientIdentityRemoved, and the attributes the
 * profile's options retain. No value ever appears in a response or a log line.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { CONFIDENTIALITY_PROFILE, formatTag } from '../src/upload/confidentiality-profile';
import { compilePseudonym } from '../src/upload/inspect';
import { ctSlice, uid, type El } from '@embolus/testkit';
import { errorOf, harness } from './helpers/harness';

const h = harness();
afterAll(() => h.close());

/** A made-up identifying value of the attribute's kind, with a marker to search responses for. */
function element(keyword: string, tag: string, marker: string): El {
  const t = parseInt(tag, 16);
  if (keyword.endsWith('Sequence')) return { tag: t, vr: 'SQ', value: [[{ tag: 0x00080100, vr: 'SH', value: marker }]] };
  if (/Date$/.test(keyword)) return { tag: t, vr: 'DA', value: '19610704' };
  if (/Time$/.test(keyword)) return { tag: t, vr: 'TM', value: '101500' };
  if (/Name$|Names$|PhysiciansOfRecord|ResponsiblePerson$|RequestingPhysician$|ReviewerName/.test(keyword))
    return { tag: t, vr: 'PN', value: `${marker}^Jane` };
  return { tag: t, vr: 'LO', value: marker };
}

async function upload(key: string, extra: El[]): Promise<Response> {
  const study = ((await (await h.request('POST', '/v1/studies', { key })).json()) as { id: string }).id;
  const sop = uid();
  const bytes = ctSlice({ study: uid(), series: uid(), sop, index: 0, extra });
  return h.request('PUT', `/v1/studies/${study}/instances/${sop}`, {
    key,
    body: bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
}

const refused = CONFIDENTIALITY_PROFILE.filter((a) => a.refuse);

describe('identifying attributes', () => {
  it('lists the profile as data: every entry has a keyword, a tag and an action', () => {
    expect(refused.length).toBeGreaterThan(90);
    for (const a of CONFIDENTIALITY_PROFILE) {
      expect(a.tag).toMatch(/^[0-9A-F]{8}$/);
      expect(a.action).toMatch(/^[XZDU](\/[XZDU])*$/);
      expect(a.refuse || a.retainedBy !== undefined).toBe(true);
    }
    expect(new Set(CONFIDENTIALITY_PROFILE.map((a) => a.tag)).size).toBe(CONFIDENTIALITY_PROFILE.length);
    for (const k of [
      'PatientName',
      'PatientID',
      'PatientBirthDate',
      'PatientAddress',
      'PatientTelephoneNumbers',
      'InstitutionName',
      'ReferringPhysicianName',
      'AccessionNumber',
      'OtherPatientIDs',
    ]) {
      expect(refused.map((a) => a.keyword)).toContain(k);
    }
  });

  it.each(refused.map((a) => [a.keyword, a.tag] as const))('refuses a value in %s (%s)', async (keyword, tag) => {
    const key = await h.key('phi', 'clinician');
    const marker = `MARK${Math.floor(Math.random() * 1e9)}`;
    const res = await upload(key, [element(keyword, tag, marker)]);
    const text = await res.text();
    expect(res.status).toBe(422);
    const err = JSON.parse(text).error as { code: string; details: { tags: { keyword: string; tag: string }[] } };
    expect(err.code).toBe('NOT_ANONYMIZED');
    expect(err.details.tags).toEqual([{ keyword, tag: formatTag(tag) }]);
    expect(text).not.toContain(marker);
    expect(text).not.toContain('19610704');
    expect(JSON.stringify(h.logger.lines)).not.toContain(marker);
  });

  it('lists every offending tag, sorted, without values', async () => {
    const key = await h.key('phi', 'clinician');
    const res = await upload(key, [
      { tag: 0x00100010, vr: 'PN', value: 'Roe^Richard' },
      { tag: 0x00080080, vr: 'LO', value: 'General Hospital' },
      { tag: 0x00080050, vr: 'SH', value: 'ACC123' },
    ]);
    const err = await errorOf(res);
    expect(err.details['tags']).toEqual([
      { keyword: 'AccessionNumber', tag: '(0008,0050)' },
      { keyword: 'InstitutionName', tag: '(0008,0080)' },
      { keyword: 'PatientName', tag: '(0010,0010)' },
    ]);
    expect(err.message).not.toMatch(/Roe|General|ACC123/);
  });

  it('finds identifying values nested in sequences', async () => {
    const key = await h.key('phi', 'clinician');
    const nested: El = {
      tag: 0x0040a730,
      vr: 'SQ',
      value: [
        [
          { tag: 0x0040a010, vr: 'CS', value: 'CONTAINS' },
          { tag: 0x0040a123, vr: 'PN', value: 'Smith^John' },
        ],
      ],
    };
    const err = await errorOf(await upload(key, [nested]));
    expect(err.details['tags']).toEqual([{ keyword: 'PersonName', tag: '(0040,A123)' }]);
  });

  it('accepts empty (zero-length or padded) identifying attributes', async () => {
    const key = await h.key('phi', 'clinician');
    const res = await upload(key, [
      { tag: 0x00100010, vr: 'PN', value: '' },
      { tag: 0x00100020, vr: 'LO', value: '  ' },
      { tag: 0x00100030, vr: 'DA', value: '' },
      { tag: 0x00101002, vr: 'SQ', value: [] },
    ]);
    expect(res.status).toBe(201);
  });

  it('requires PatientIdentityRemoved = YES to come without identifying values', async () => {
    const key = await h.key('phi', 'clinician');
    const pir: El = { tag: 0x00120062, vr: 'CS', value: 'YES' };
    const dirty = await upload(key, [pir, { tag: 0x00100030, vr: 'DA', value: '19800101' }]);
    expect(await errorOf(dirty)).toMatchObject({ code: 'NOT_ANONYMIZED', details: { patientIdentityRemoved: true } });
    const clean = await upload(key, [pir, { tag: 0x00120063, vr: 'LO', value: 'Basic Application Confidentiality Profile' }]);
    expect(clean.status).toBe(201);
  });

  it('keeps what the profile’s options retain: sex, age, shifted dates, cleaned descriptions, UIDs', async () => {
    const key = await h.key('phi', 'clinician');
    const res = await upload(key, [
      { tag: 0x00100040, vr: 'CS', value: 'F' },
      { tag: 0x00101010, vr: 'AS', value: '061Y' },
      { tag: 0x00080020, vr: 'DA', value: '20200101' },
      { tag: 0x0008103e, vr: 'LO', value: 'CTPA 1.0 B31f' },
      { tag: 0x00081010, vr: 'SH', value: 'CT01' },
    ]);
    expect(res.status).toBe(201);
  });
});

describe('PatientID pseudonyms', () => {
  it('refuses PatientID unless it matches the tenant’s pattern in full', async () => {
    const admin = await h.key('pseudo', 'admin');
    const key = await h.key('pseudo', 'clinician');
    const pid = (v: string): El => ({ tag: 0x00100020, vr: 'LO', value: v });
    expect((await errorOf(await upload(key, [pid('ANON-123456')]))).details['tags']).toEqual([
      { keyword: 'PatientID', tag: '(0010,0020)' },
    ]);
    const set = await h.request('PATCH', '/v1/tenant', { key: admin, json: { pseudonymRegex: 'ANON-[0-9]{6}' } });
    expect(set.status).toBe(200);
    expect((await upload(key, [pid('ANON-123456')])).status).toBe(201);
    expect((await upload(key, [pid('XANON-123456')])).status).toBe(422);
    expect((await upload(key, [pid('ANON-1234567')])).status).toBe(422);
    expect((await upload(key, [pid('123456789')])).status).toBe(422);
    // The pattern covers PatientID only.
    expect((await upload(key, [pid('ANON-123456'), { tag: 0x00100010, vr: 'PN', value: 'ANON-123456' }])).status).toBe(422);
    // Another tenant's pattern does not apply.
    const other = await h.key('pseudo-other', 'clinician');
    expect((await upload(other, [pid('ANON-123456')])).status).toBe(422);
  });

  it('refuses patterns that could backtrack catastrophically or do not compile', async () => {
    const admin = await h.key('pseudo2', 'admin');
    for (const bad of ['(a+)+$', '(x*)*y', '([a-z]+)*', '(', '', 'a'.repeat(201), '(a)\\1']) {
      expect(typeof compilePseudonym(bad), bad).toBe('string');
      if (bad.length <= 200)
        expect((await h.request('PATCH', '/v1/tenant', { key: admin, json: { pseudonymRegex: bad } })).status, bad).toBe(400);
    }
    expect(compilePseudonym('P[0-9]{8}')).toBeInstanceOf(RegExp);
  });
});
