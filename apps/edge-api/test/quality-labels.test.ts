/**
 * Issue 18, ground truth: provenance (who, when, through which channel) and the CSV import
 * (per-row report, nothing applied from a file with errors unless partial=true, dry runs).
 */
import { seedCohort } from '@embolus/db/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { errorOf, harness, type Harness } from './helpers/harness';

let h: Harness;
let quality: string;
let clinician: string;
let ids: string[];
let uids: string[];
beforeAll(async () => {
  h = harness();
  quality = await h.key('g', 'quality');
  clinician = await h.key('g', 'clinician');
  const tenantId = (await h.deps.store.tenants.ensure('g')).id;
  // Unlabelled studies, so every label below is a new one.
  ids = (await seedCohort(h.deps.store.driver, { tenantId, studies: 6, months: 1, end: h.clock.now() - 1, seed: 3, labelledFraction: 0 }))
    .studyIds;
  uids = (
    await h.deps.store.driver.select(
      `SELECT study_instance_uid AS u FROM studies WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY id`,
      ids,
    )
  ).map((r) => r['u'] as string);
});
afterAll(() => h.close());

type Label = { label: string; value: number; source: string; recordedBy: string; recordedAt: string; enteredVia: string };
const labelsOf = async (id: string) =>
  ((await (await h.request('GET', `/v1/studies/${id}/labels`, { key: quality })).json()) as { labels: Label[] }).labels;
const csv = (text: string, query = '') =>
  h.request('POST', `/v1/labels/import${query}`, { key: quality, body: text, headers: { 'content-type': 'text/csv' } });

describe('ground truth provenance', () => {
  it('records who, when and how: a key is the API, a dashboard session the UI', async () => {
    await h.request('POST', `/v1/studies/${ids[0]}/labels`, { key: quality, json: { labels: { central_pe: 1 }, source: 'consensus' } });
    const [viaKey] = await labelsOf(ids[0] as string);
    expect(viaKey).toMatchObject({
      label: 'central_pe',
      value: 1,
      source: 'consensus',
      enteredVia: 'api',
      recordedAt: new Date(h.clock.now()).toISOString(),
    });
    expect(viaKey?.recordedBy).not.toMatch(/^user:/);

    const t = await h.deps.store.tenants.ensure('g');
    const u = await h.deps.store.users.create({
      tenantId: t.id,
      email: 'qa@site.test',
      role: 'quality',
      passwordHash: await hashPassword('correct horse battery'),
    });
    const origin = 'http://localhost';
    const signIn = await h.app.request('/v1/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: 'qa@site.test', password: 'correct horse battery' }),
    });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0] as string;
    const { csrfToken } = (await signIn.json()) as { csrfToken: string };
    h.clock.advance(60_000);
    const res = await h.app.request(`/v1/studies/${ids[0]}/labels`, {
      method: 'POST',
      headers: { cookie, origin, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
      body: JSON.stringify({ labels: { central_pe: 0 } }),
    });
    expect(res.status).toBe(200);
    const [viaUi] = await labelsOf(ids[0] as string);
    expect(viaUi).toMatchObject({
      value: 0,
      enteredVia: 'ui',
      recordedBy: `user:${(u as { id: string }).id}`,
      recordedAt: new Date(h.clock.now()).toISOString(),
    });
  });
});

describe('CSV import', () => {
  it('refuses a clinician and a body that is not text/csv', async () => {
    expect(
      (
        await h.request('POST', '/v1/labels/import', {
          key: clinician,
          body: 'studyId,central_pe\n',
          headers: { 'content-type': 'text/csv' },
        })
      ).status,
    ).toBe(403);
    expect((await h.request('POST', '/v1/labels/import', { key: quality, json: { a: 1 } })).status).toBe(415);
  });

  const bad = () =>
    [
      'studyInstanceUid,negative_exam_for_pe,central_pe,source',
      `${uids[1]},1,0,`,
      `${uids[2]},2,0,`, // not 0/1
      `1.2.3.999,0,1,`, // no such study
      `${uids[3]},0,1,pathology`,
      `${uids[1]},0,0,`, // duplicate
      `${uids[4]},,,`, // nothing to record
      `${uids[5]},0,1,guess`, // unknown source
    ].join('\n');

  it('reports every row and applies nothing from a file with errors', async () => {
    const res = await csv(bad());
    expect(res.status).toBe(400);
    const { code, details } = await errorOf(res);
    expect(code).toBe('VALIDATION_FAILED');
    const report = details['report'] as {
      applied: boolean;
      rows: number;
      valid: number;
      invalid: number;
      errors: { line: number; code: string; column?: string }[];
    };
    expect(report).toMatchObject({ applied: false, rows: 7, valid: 2, invalid: 5 });
    expect(report.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'INVALID_VALUE'],
      [4, 'UNKNOWN_STUDY'],
      [6, 'DUPLICATE_STUDY'],
      [7, 'NO_LABELS'],
      [8, 'INVALID_SOURCE'],
    ]);
    // Values are never echoed back.
    expect(JSON.stringify(report)).not.toContain('1.2.3.999');
    for (const id of ids.slice(1)) expect(await labelsOf(id)).toEqual([]);
  });

  it('dry-runs without applying, then applies the valid rows with partial=true', async () => {
    const dry = await csv(bad(), '?dryRun=true&partial=true');
    expect(dry.status).toBe(200);
    expect(await dry.json()).toMatchObject({ dryRun: true, applied: false, valid: 2, labels: 4 });
    expect(await labelsOf(ids[1] as string)).toEqual([]);

    const res = await csv(bad(), '?partial=true&source=consensus');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ applied: true, valid: 2, invalid: 5 });
    const one = await labelsOf(ids[1] as string);
    expect(one.map((l) => [l.label, l.value, l.source, l.enteredVia])).toEqual([
      ['central_pe', 0, 'consensus', 'csv'],
      ['negative_exam_for_pe', 1, 'consensus', 'csv'],
    ]);
    expect((await labelsOf(ids[3] as string)).map((l) => l.source)).toEqual(['pathology', 'pathology']);
    expect(await labelsOf(ids[2] as string)).toEqual([]);
    // The cohort sees the imported truth.
    const cohort = (await (await h.request('GET', '/v1/metrics/cohort', { key: quality })).json()) as { labelled: number };
    expect(cohort.labelled).toBe(3);
    const audit = (await (await h.request('GET', '/v1/audit?action=labels.import', { key: await h.key('g', 'admin') })).json()) as {
      items: { detail: { applied: boolean } }[];
    };
    expect(audit.items.map((i) => i.detail.applied).sort()).toEqual([false, false, true]);
  });

  it('applies a clean file by studyId and refuses a bad header outright', async () => {
    const ok = await csv(`studyId,rv_lv_ratio_gte_1\n${ids[5]},1\n`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ applied: true, reference: 'studyId', rows: 1, valid: 1, invalid: 0, errors: [] });
    const header = await errorOf(await csv(`studyId,made_up\n${ids[5]},1\n`));
    expect((header.details['report'] as { errors: { code: string }[] }).errors[0]?.code).toBe('UNKNOWN_COLUMN');
    const big = await csv(`studyId,central_pe\n${'x,1\n'.repeat(700_000)}`);
    expect(big.status).toBe(413);
  });
});
