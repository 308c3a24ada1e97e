/**
 * Non-diagnostic results (a failed study-quality gate): every surface leads with
 * "Non-diagnostic: <reason>", no decision is shown, and the worklist keeps them as their own
 * state, never among the negatives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summarize } from '@embolus/shared';
import { dispatchWebhooks } from '../src/webhooks/dispatch';
import { ctStudy } from '@embolus/testkit';
import { harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness();
afterAll(() => h.close());

const REASON = 'poor contrast opacification of the pulmonary arteries (44 HU < 250 HU)';
let clinician: string;
let runner: string;
let partner: string;
beforeAll(async () => {
  clinician = await h.key('nd', 'clinician');
  runner = await h.key('nd', 'runner');
  partner = await h.key('nd', 'partner');
});

async function analysed(opts: Parameters<typeof analysisResult>[0]): Promise<string> {
  const { id } = (await (await h.request('POST', '/v1/studies', { key: clinician })).json()) as { id: string };
  const s = ctStudy(1);
  await h.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
    key: clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  await h.request('POST', `/v1/studies/${id}/submit`, { key: clinician });
  const c = (await (await h.request('POST', '/v1/runner/jobs/claim', { key: runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  const res = await h.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: runner,
    json: { result: analysisResult(opts) },
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  expect(res.status).toBe(200);
  h.clock.advance(1000);
  return id;
}

describe('summary of a non-diagnostic result', () => {
  it('is non_diagnostic, not negative, even where the probabilities say negative', () => {
    expect(summarize(analysisResult({ pNegative: 0.99 })).decision).toBe('negative');
    expect(summarize(analysisResult({ pNegative: 0.99, nonDiagnostic: REASON }))).toMatchObject({
      decision: 'non_diagnostic',
      urgency: 1,
      reason: `Non-diagnostic: ${REASON}`,
    });
  });
});

describe('non-diagnostic studies through the API', () => {
  const ids: Record<string, string> = {};
  let sent: { body: string }[] = [];
  beforeAll(async () => {
    await h.request('POST', '/v1/webhooks', { key: partner, json: { url: 'https://partner.example/nd' } });
    h.hooks.sent.length = 0;
    ids['negative'] = await analysed({ pNegative: 0.95 });
    ids['likely'] = await analysed({ pNegative: 0.1 });
    ids['nondiagnostic'] = await analysed({ pNegative: 0.97, nonDiagnostic: REASON });
    ids['urgent'] = await analysed({ pNegative: 0.4, central: true, rvlv: true });
    await dispatchWebhooks(h.deps);
    sent = h.hooks.sent.map((s) => ({ body: s.body as string }));
  });

  it('GET /v1/studies/{id} leads with the reason, before the result', async () => {
    const res = await h.request('GET', `/v1/studies/${ids['nondiagnostic']}`, { key: clinician });
    expect(res.status).toBe(200);
    const text = await res.text();
    const body = JSON.parse(text) as Record<string, unknown> & {
      result: { labels: Record<string, { decision: boolean; probability: number }> };
    };
    expect(Object.keys(body)[0]).toBe('nonDiagnostic');
    expect(body.nonDiagnostic).toBe(`Non-diagnostic: ${REASON}`);
    expect(Object.values(body.result.labels).every((l) => l.decision === false)).toBe(true);
    expect(body.result.labels['negative_exam_for_pe']!.probability).toBe(0.97);
    // Diagnostic studies keep exactly their old shape.
    const ok = (await (await h.request('GET', `/v1/studies/${ids['negative']}`, { key: clinician })).json()) as Record<string, unknown>;
    expect(Object.keys(ok)).toEqual(['id', 'status', 'series', 'result']);
  });

  it('sorts it as its own state: after urgent PE, before the ranked results, never with the negatives', async () => {
    const body = (await (await h.request('GET', '/v1/studies', { key: clinician })).json()) as {
      items: { id: string; decision: string; peProbability: number | null; urgent: boolean }[];
    };
    expect(body.items.map((i) => i.id)).toEqual([ids['urgent'], ids['nondiagnostic'], ids['likely'], ids['negative']]);
    expect(body.items[1]).toMatchObject({ decision: 'non_diagnostic', peProbability: null, urgent: false });
    const filtered = (await (await h.request('GET', '/v1/studies?decision=non_diagnostic', { key: clinician })).json()) as {
      items: { id: string }[];
    };
    expect(filtered.items.map((i) => i.id)).toEqual([ids['nondiagnostic']]);
    const negatives = (await (await h.request('GET', '/v1/studies?decision=negative', { key: clinician })).json()) as {
      items: { id: string }[];
    };
    expect(negatives.items.map((i) => i.id)).toEqual([ids['negative']]);
  });

  it('the webhook payload leads with the reason and withholds the PE probability', () => {
    const nd = sent.map((s) => s.body).find((b) => b.includes(ids['nondiagnostic']!))!;
    const payload = JSON.parse(nd) as Record<string, unknown>;
    expect(Object.keys(payload).slice(0, 5)).toEqual(['event', 'studyId', 'resultId', 'nonDiagnostic', 'decision']);
    expect(payload).toMatchObject({
      nonDiagnostic: `Non-diagnostic: ${REASON}`,
      decision: 'non_diagnostic',
      urgent: false,
      peProbability: null,
      notForClinicalUse: true,
    });
    const other = JSON.parse(sent.map((s) => s.body).find((b) => b.includes(ids['negative']!))!) as Record<string, unknown>;
    expect(other).not.toHaveProperty('nonDiagnostic');
    expect(other).toMatchObject({ decision: 'negative' });
  });
});
