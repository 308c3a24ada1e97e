/**
 * Issue 18, drift alerts on a seeded cohort (2,000 labelled studies over 12 months, the AUROC of
 * negative_exam_for_pe falling from 0.9 to 0.7 in the last 3): rules fire for the drifted label
 * only, once per period, resolve when no longer breached, and their `alert.fired` webhook reaches
 * a local receiver, signed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { seedCohort } from '@embolus/db/seed';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAlerts } from '../src/quality/alert-scheduler';
import { dispatchWebhooks, verifySignature } from '../src/webhooks/dispatch';
import { harness, type Harness } from './helpers/harness';

const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    received.push({ headers: req.headers, body });
    res.writeHead(204).end();
  });
});
let port = 0;
let h: Harness;
const k = { quality: '', clinician: '', admin: '' };
const DAY = 86_400_000;

beforeAll(async () => {
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  port = (receiver.address() as AddressInfo).port;
  // A receiver on loopback is allowed only because the operator says so (as in production).
  h = harness({ EMBOLUS_WEBHOOK_ALLOW_HTTP: 'true', EMBOLUS_WEBHOOK_ALLOW_INTERNAL: '127.0.0.1/32' });
  (h.deps as { fetch: typeof fetch }).fetch = (u, i) => fetch(u, i);
  for (const role of ['quality', 'clinician', 'admin'] as const) k[role] = await h.key('a', role);
  const tenantId = (await h.deps.store.tenants.ensure('a')).id;
  await seedCohort(h.deps.store.driver, {
    tenantId,
    studies: 2000,
    months: 12,
    end: h.clock.now() - DAY,
    seed: 7,
    drift: { label: 'negative_exam_for_pe', auroc: 0.7, months: 3 },
  });
});
afterAll(async () => {
  h.close();
  receiver.closeAllConnections();
  await new Promise((r) => receiver.close(r));
});

type Event = { id: string; ruleId: string; label: string; kind: string; period: string; state: string; value: number; message: string };

describe('drift alerts', () => {
  it('refuses a clinician on every alert route', async () => {
    for (const [m, p] of [
      ['GET', '/v1/alerts'],
      ['GET', '/v1/alerts?state=active'],
      ['GET', '/v1/alerts/rules'],
      ['POST', '/v1/alerts/rules'],
      ['PATCH', '/v1/alerts/rules/x'],
      ['DELETE', '/v1/alerts/rules/x'],
      ['POST', '/v1/alerts/evaluate'],
    ] as const) {
      expect((await h.request(m, p, { key: k.clinician, ...(m === 'GET' ? {} : { json: {} }) })).status, `${m} ${p}`).toBe(403);
    }
  });

  it('validates rule parameters by kind', async () => {
    const bad = [
      { kind: 'auroc_lower_ci_below', label: 'central_pe', params: { below: 2 } },
      { kind: 'cbpe_drop', label: 'central_pe', params: { drop: 0.1, referenceFrom: '2026-02-01', referenceTo: '2026-01-01' } },
      { kind: 'coverage_below', label: 'made_up', params: { below: 0.5 } },
      { kind: 'nope', label: 'central_pe', params: {} },
    ];
    for (const json of bad)
      expect((await h.request('POST', '/v1/alerts/rules', { key: k.quality, json })).status, JSON.stringify(json)).toBe(400);
  });

  it('fires for the drifted label, once per period, delivers alert.fired, and resolves', async () => {
    const hook = await h.request('POST', '/v1/webhooks', {
      key: k.admin,
      json: { url: `http://127.0.0.1:${port}/alerts`, events: ['alert.fired'] },
    });
    expect(hook.status).toBe(201);
    const { secret } = (await hook.json()) as { secret: string };
    const rule = async (json: unknown) => {
      const res = await h.request('POST', '/v1/alerts/rules', { key: k.quality, json });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    const aurocDrifted = await rule({ kind: 'auroc_lower_ci_below', label: 'negative_exam_for_pe', params: { below: 0.75 } });
    const aurocStable = await rule({ kind: 'auroc_lower_ci_below', label: 'central_pe', params: { below: 0.75 } });
    const cbpeDrifted = await rule({
      kind: 'cbpe_drop',
      label: 'negative_exam_for_pe',
      params: { drop: 0.1, referenceFrom: '2025-03-01', referenceTo: '2025-09-01' },
    });
    const cbpeStable = await rule({
      kind: 'cbpe_drop',
      label: 'central_pe',
      params: { drop: 0.1, referenceFrom: '2025-03-01', referenceTo: '2025-09-01' },
    });

    // The scheduled pass (what the Node timer and the Workers cron run).
    expect(await evaluateAlerts(h.deps)).toEqual({ tenants: 1, fired: 2, resolved: 0 });
    const active = ((await (await h.request('GET', '/v1/alerts?state=active', { key: k.quality })).json()) as { items: Event[] }).items;
    expect(active.map((e) => e.ruleId).sort()).toEqual([aurocDrifted, cbpeDrifted].sort());
    for (const e of active) {
      expect(e).toMatchObject({ label: 'negative_exam_for_pe', state: 'active', period: '2026-02' });
      expect(e.value).toBeLessThan(0.8);
    }
    expect(active.some((e) => [aurocStable, cbpeStable].includes(e.ruleId))).toBe(false);

    // Evaluated again: no second event for the same rule and period.
    const again = (await (await h.request('POST', '/v1/alerts/evaluate', { key: k.quality })).json()) as {
      items: { ruleId: string; state: string; fired: boolean }[];
    };
    expect(again.items.find((i) => i.ruleId === aurocDrifted)).toMatchObject({ state: 'breached', fired: false });
    expect(again.items.find((i) => i.ruleId === aurocStable)).toMatchObject({ state: 'ok', fired: false });
    expect(((await (await h.request('GET', '/v1/alerts', { key: k.quality })).json()) as { items: Event[] }).items).toHaveLength(2);

    // One signed delivery per event, to the local receiver.
    received.length = 0;
    expect(await dispatchWebhooks(h.deps)).toEqual({ attempted: 2, delivered: 2 });
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.headers['embolus-event']).toBe('alert.fired');
      expect(await verifySignature(secret, r.headers['embolus-signature'] as string, r.body, Math.floor(h.clock.now() / 1000))).toBe(true);
      expect(JSON.parse(r.body)).toMatchObject({
        event: 'alert.fired',
        label: 'negative_exam_for_pe',
        period: '2026-02',
        notForClinicalUse: true,
      });
    }

    // A looser limit: no longer breached, so its event resolves (and the other stays active).
    const patched = await h.request('PATCH', `/v1/alerts/rules/${aurocDrifted}`, {
      key: k.quality,
      json: { params: { below: 0.5, window: 'month' } },
    });
    expect(patched.status).toBe(200);
    expect((await h.request('PATCH', `/v1/alerts/rules/${aurocDrifted}`, { key: k.quality, json: { params: { drop: 0.5 } } })).status).toBe(
      400,
    );
    expect(await evaluateAlerts(h.deps)).toEqual({ tenants: 1, fired: 0, resolved: 1 });
    const still = ((await (await h.request('GET', '/v1/alerts?state=active', { key: k.quality })).json()) as { items: Event[] }).items;
    expect(still.map((e) => e.ruleId)).toEqual([cbpeDrifted]);
    expect((await h.request('DELETE', `/v1/alerts/rules/${cbpeDrifted}`, { key: k.admin })).status).toBe(204);
    expect(((await (await h.request('GET', '/v1/alerts?state=active', { key: k.quality })).json()) as { items: Event[] }).items).toEqual(
      [],
    );
    const audit = (await (await h.request('GET', '/v1/audit?action=alerts.rule_create', { key: k.admin })).json()) as { items: unknown[] };
    expect(audit.items).toHaveLength(4);
  });
});

describe('alert schedule on Node', () => {
  it('evaluates the rules when the runtime starts its alert timer', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const path = await import('node:path');
    const { openNodeRuntime } = await import('../src/node/deps');
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-alerts-'));
    const rt = openNodeRuntime(dir, { env: { EMBOLUS_LOG_LEVEL: 'silent' } });
    try {
      const tenant = await rt.deps.store.tenants.ensure('n');
      await seedCohort(rt.deps.store.driver, {
        tenantId: tenant.id,
        studies: 2000,
        months: 12,
        end: Date.now() - DAY,
        seed: 7,
        drift: { label: 'negative_exam_for_pe', auroc: 0.7, months: 3 },
      });
      await rt.deps.store.alerts.createRule(tenant.id, {
        label: 'negative_exam_for_pe',
        kind: 'auroc_lower_ci_below',
        params: { below: 0.75, window: 'month' },
        createdBy: 'test',
      });
      rt.startAlerts(3_600_000);
      await rt.runAlerts();
      const events = await rt.deps.store.alerts.events(tenant.id, { limit: 10, offset: 0 });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ label: 'negative_exam_for_pe', state: 'active' });
    } finally {
      await rt.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
