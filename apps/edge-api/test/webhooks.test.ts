/**
 * Webhooks: registration rules, HMAC-SHA256 signatures a partner can verify, retries with
 * backoff, the delivery log, and prompt delivery on Node after a result is stored.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app';
import { openNodeRuntime } from '../src/node/deps';
import { dispatchWebhooks, sign, verifySignature } from '../src/webhooks/dispatch';
import { ctStudy } from '@embolus/testkit';
import { harness, type Harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

const h = harness({ EMBOLUS_WEBHOOK_MAX_ATTEMPTS: '3', EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS: '10' });
afterAll(() => h.close());

let partner: string;
let clinician: string;
let runner: string;
beforeAll(async () => {
  partner = await h.key('hooks', 'partner');
  clinician = await h.key('hooks', 'clinician');
  runner = await h.key('hooks', 'runner');
});

/** Uploads, submits and completes one study through the API of `x`. */
async function analyse(x: Harness | { request: Harness['request'] }, keys: { clinician: string; runner: string }): Promise<string> {
  const { id } = (await (await x.request('POST', '/v1/studies', { key: keys.clinician })).json()) as { id: string };
  const s = ctStudy(1);
  await x.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
    key: keys.clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  await x.request('POST', `/v1/studies/${id}/submit`, { key: keys.clinician });
  const c = (await (await x.request('POST', '/v1/runner/jobs/claim', { key: keys.runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  const done = await x.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: keys.runner,
    json: { result: analysisResult({ central: true, rvlv: true }) },
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  expect(done.status).toBe(200);
  return id;
}

describe('webhooks', () => {
  it('accepts https URLs only, never private hosts, and shows the secret once', async () => {
    for (const url of [
      'http://partner.example/hook',
      'https://127.0.0.1/hook',
      'https://localhost:8443/x',
      'https://10.1.2.3/x',
      'https://user:pw@partner.example/x',
      'ftp://partner.example',
    ]) {
      expect((await h.request('POST', '/v1/webhooks', { key: partner, json: { url } })).status, url).toBe(400);
    }
    expect((await h.request('POST', '/v1/webhooks', { key: clinician, json: { url: 'https://partner.example/h' } })).status).toBe(403);
    const res = await h.request('POST', '/v1/webhooks', { key: partner, json: { url: 'https://partner.example/h' } });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { id: string; secret: string; events: string[] };
    expect(created.secret).toMatch(/^whsec_/);
    expect(created.events).toEqual(['study.result']);
    const listed = await (await h.request('GET', '/v1/webhooks', { key: partner })).text();
    expect(listed).not.toContain(created.secret);
    expect((await h.request('DELETE', `/v1/webhooks/${created.id}`, { key: partner })).status).toBe(204);
  });

  it('signs deliveries, retries with backoff and keeps a delivery log', async () => {
    const { id, secret } = (await (
      await h.request('POST', '/v1/webhooks', { key: partner, json: { url: 'https://partner.example/results' } })
    ).json()) as { id: string; secret: string };
    const studyId = await analyse(h, { clinician, runner });
    h.hooks.status = 503;
    h.hooks.sent.length = 0;
    expect(await dispatchWebhooks(h.deps)).toEqual({ attempted: 1, delivered: 0 });
    const sent = h.hooks.sent[0];
    expect(sent?.url).toBe('https://partner.example/results');
    expect(sent?.headers['embolus-event']).toBe('study.result');
    const signature = sent?.headers['embolus-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const nowS = Math.floor(h.clock.now() / 1000);
    expect(await verifySignature(secret, signature, sent?.body as string, nowS)).toBe(true);
    expect(await verifySignature(secret, signature, `${sent?.body} `, nowS)).toBe(false);
    expect(await verifySignature('whsec_wrong', signature, sent?.body as string, nowS)).toBe(false);
    expect(await verifySignature(secret, signature, sent?.body as string, nowS + 3600)).toBe(false);
    const payload = JSON.parse(sent?.body as string) as {
      event: string;
      studyId: string;
      urgent: boolean;
      notForClinicalUse: boolean;
      result: unknown;
    };
    expect(payload).toMatchObject({ event: 'study.result', studyId, urgent: true, notForClinicalUse: true });
    expect(payload.result).toEqual(analysisResult({ central: true, rvlv: true }));
    // Not due yet: the backoff is 10 s after the first failure.
    expect((await dispatchWebhooks(h.deps)).attempted).toBe(0);
    h.clock.advance(10_000);
    h.hooks.status = 204;
    expect(await dispatchWebhooks(h.deps)).toEqual({ attempted: 1, delivered: 1 });
    const log = (await (await h.request('GET', `/v1/webhooks/${id}/deliveries`, { key: partner })).json()) as {
      items: { status: string; attempts: number; log: { status: number }[] }[];
    };
    expect(log.items[0]).toMatchObject({ status: 'delivered', attempts: 2 });
    expect(log.items[0]?.log.map((a) => a.status)).toEqual([503, 204]);
    await h.request('DELETE', `/v1/webhooks/${id}`, { key: partner });
  });

  it('gives up after the attempt limit', async () => {
    const { id } = (await (
      await h.request('POST', '/v1/webhooks', { key: partner, json: { url: 'https://partner.example/down' } })
    ).json()) as { id: string };
    await analyse(h, { clinician, runner });
    h.hooks.status = 500;
    for (let i = 0; i < 5; i++) {
      await dispatchWebhooks(h.deps);
      h.clock.advance(3_600_000);
    }
    const log = (await (await h.request('GET', `/v1/webhooks/${id}/deliveries`, { key: partner })).json()) as {
      items: { status: string; attempts: number; lastError: string }[];
    };
    expect(log.items[0]).toMatchObject({ status: 'failed', attempts: 3, lastError: 'HTTP 500' });
    await h.request('DELETE', `/v1/webhooks/${id}`, { key: partner });
  });

  it('produces signatures a partner can recompute', async () => {
    expect(await sign('whsec_test', 1700000000, '{"a":1}')).toBe(await sign('whsec_test', 1700000000, '{"a":1}'));
    expect(await verifySignature('whsec_test', await sign('whsec_test', 1700000000, '{"a":1}'), '{"a":1}', 1700000100)).toBe(true);
  });
});

describe('webhooks on Node', () => {
  it('are sent right after the result is stored, without waiting for the timer', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-hooks-'));
    const sent: string[] = [];
    const rt = openNodeRuntime(dir, {
      env: { EMBOLUS_LOG_LEVEL: 'silent' },
      // No DNS here: the partner's name resolves to a public address.
      resolveHost: async () => ['93.184.215.14'],
      fetch: (async (url: string | URL | Request) => {
        sent.push(String(url));
        return new Response(null, { status: 200 });
      }) as typeof fetch,
    });
    const app = createApp(rt.deps);
    const tenant = await rt.deps.store.tenants.ensure('node-hooks');
    const key = async (role: 'partner' | 'clinician' | 'runner') => (await rt.deps.store.keys.create({ tenantId: tenant.id, role })).key;
    const keys = { partner: await key('partner'), clinician: await key('clinician'), runner: await key('runner') };
    const request: Harness['request'] = async (method, p, opts = {}) =>
      app.request(p, {
        method,
        headers: {
          authorization: `Bearer ${opts.key}`,
          ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(opts.headers ?? {}),
        },
        ...(opts.json !== undefined ? { body: JSON.stringify(opts.json) } : opts.body !== undefined ? { body: opts.body } : {}),
      });
    await request('POST', '/v1/webhooks', { key: keys.partner, json: { url: 'https://partner.example/node' } });
    await analyse({ request }, keys);
    for (let i = 0; i < 50 && sent.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(sent).toEqual(['https://partner.example/node']);
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
