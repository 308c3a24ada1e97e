/**
 * Phantoms the product accepts: the generator's default output passes the API's anonymization
 * check as written (every instance of a study, through the real upload route), and the
 * identified variant (`identified: true`, `embolus phantom --identified`) is refused, naming
 * exactly the attributes it fills: PatientName, PatientID and StudyID.
 */
import path from 'node:path';
import { generateStudy } from '@embolus/phantom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApi, tempDir, type Api } from '@embolus/local-stack';

const tmp = tempDir('e2e-phantom-upload');
let api: Api;
let key: string;
const SMALL = { preset: 'demo', matrix: 64, slices: 8, sliceThicknessMm: 2.5 } as const;

beforeAll(async () => {
  api = await startApi(path.join(tmp.dir, 'api'));
  key = await api.key('clinician');
});

afterAll(async () => {
  await api?.close();
  tmp.cleanup();
});

async function put(
  bytes: Uint8Array,
  sop: string,
  studyId?: string,
): Promise<{ status: number; body: { error?: { code: string; details: Record<string, unknown> } }; studyId: string }> {
  const id = studyId ?? ((await (await api.call('POST', '/v1/studies', key, { json: {} })).json()) as { id: string }).id;
  const res = await api.call('PUT', `/v1/studies/${id}/instances/${sop}`, key, { body: bytes });
  return { status: res.status, body: (await res.json()) as never, studyId: id };
}

describe('phantoms uploaded to the API', () => {
  it('are accepted as written: every instance of a default study', async () => {
    const study = generateStudy({ ...SMALL, seed: 5 });
    let studyId: string | undefined;
    for (const f of study.files) {
      const r = await put(f.bytes, f.sopInstanceUid, studyId);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      studyId = r.studyId;
    }
    const stored = (await (await api.call('GET', `/v1/studies/${studyId}/instances`, key)).json()) as {
      items: { sopInstanceUid: string }[];
    };
    expect(stored.items.map((i) => i.sopInstanceUid).sort()).toEqual(study.files.map((f) => f.sopInstanceUid).sort());
  });

  it('are refused in the identified variant, naming PatientName, PatientID and StudyID (not their values)', async () => {
    const study = generateStudy({ ...SMALL, seed: 5, identified: true });
    const f = study.files[0]!;
    const r = await put(f.bytes, f.sopInstanceUid);
    expect(r.status).toBe(422);
    expect(r.body.error?.code).toBe('NOT_ANONYMIZED');
    expect(r.body.error?.details['tags']).toEqual([
      { keyword: 'PatientName', tag: '(0010,0010)' },
      { keyword: 'PatientID', tag: '(0010,0020)' },
      { keyword: 'StudyID', tag: '(0020,0010)' },
    ]);
    expect(JSON.stringify(r.body)).not.toContain(study.patientId);
  });
});
