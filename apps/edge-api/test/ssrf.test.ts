/**
 * Webhook targets cannot reach internal networks: literals in every spelling, names that
 * resolve inside (checked at registration and again at delivery, for DNS rebinding), names
 * reserved for internal use, redirects, and the operator's explicit allow-list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/env';
import { dispatchWebhooks } from '../src/webhooks/dispatch';
import { checkTarget, isPublicAddress } from '../src/webhooks/target';
import { ctStudy } from '@embolus/testkit';
import { errorOf, harness, type Harness } from './helpers/harness';
import { analysisResult } from './helpers/result';

let h: Harness;
let partner: string;
beforeAll(async () => {
  h = harness({ EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS: '0' });
  partner = await h.key('ssrf', 'partner');
  // What public DNS answers for these names.
  h.dns.set('localtest.me', ['127.0.0.1']);
  h.dns.set('127.0.0.1.nip.io', ['127.0.0.1']);
  h.dns.set('ten.nip.io', ['10.0.0.1']);
  h.dns.set('mixed.example', ['93.184.215.14', '192.168.1.1']);
  h.dns.set('v6.example', ['2606:4700:4700::1111']);
  h.dns.set('ula.example', ['fd12:3456::1']);
  h.dns.set('mapped.example', ['::ffff:169.254.169.254']);
});
afterAll(() => h.close());

const register = (x: Harness, key: string, url: string) => x.request('POST', '/v1/webhooks', { key, json: { url } });

describe('webhook registration', () => {
  it('refuses internal literals in every spelling, and names that resolve inside', async () => {
    const refused = [
      // from the issue
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:a00:1]/',
      'https://localtest.me/',
      'https://127.0.0.1.nip.io/',
      'https://metadata.google.internal/computeMetadata/v1/',
      'https://198.18.0.1/',
      'https://224.0.0.1/',
      'https://255.255.255.255/',
      // the rest of the ranges
      'https://0.0.0.0/',
      'https://127.1/',
      'https://2130706433/',
      'https://0x7f.0.0.1/',
      'https://10.0.0.1/',
      'https://172.16.0.1/',
      'https://192.168.0.1/',
      'https://169.254.169.254/latest/meta-data/',
      'https://100.64.0.1/',
      'https://198.19.255.255/',
      'https://192.0.0.8/',
      'https://240.0.0.1/',
      'https://[::1]/',
      'https://[::]/',
      'https://[fd00::1]/',
      'https://[fe80::1]/',
      'https://[ff02::1]/',
      'https://[::127.0.0.1]/',
      'https://[::ffff:0:127.0.0.1]/',
      'https://[64:ff9b::a00:1]/',
      'https://[2002:a00:1::]/',
      'https://localhost/',
      'https://api.localhost/',
      'https://intranet/',
      'https://printer.local/',
      'https://router.home.arpa/',
      'https://ten.nip.io/',
      'https://mixed.example/',
      'https://ula.example/',
      'https://mapped.example/',
      'https://does-not-resolve.test/',
    ];
    for (const url of refused) {
      const res = await register(h, partner, url);
      expect(res.status, url).toBe(400);
      const e = await errorOf(res);
      expect(e.code, url).toBe('VALIDATION_FAILED');
      expect(e.details['parameter'], url).toBe('url');
      // Errors name the parameter, not the value.
      expect(e.message, url).not.toContain(new URL(url).hostname);
    }
    for (const url of [
      'https://partner.example/h',
      'https://v6.example/h',
      'https://93.184.215.14/h',
      'https://[2606:4700:4700::1111]/h',
      'https://[::ffff:93.184.215.14]/h',
    ]) {
      expect((await register(h, partner, url)).status, url).toBe(201);
    }
  });

  it('keeps internal targets refused with EMBOLUS_WEBHOOK_ALLOW_HTTP', async () => {
    const x = harness({ EMBOLUS_WEBHOOK_ALLOW_HTTP: 'true' });
    const k = await x.key('t', 'partner');
    expect((await register(x, k, 'http://127.0.0.1:8080/h')).status).toBe(400);
    expect((await register(x, k, 'http://partner.example/h')).status).toBe(201);
    x.close();
  });

  it('accepts internal targets only when the operator allows them explicitly', async () => {
    const x = harness({ EMBOLUS_WEBHOOK_ALLOW_INTERNAL: '10.20.0.0/16, hooks.corp.internal, fd12::/16' });
    x.dns.set('ris.hospital.example', ['10.20.1.5']);
    const k = await x.key('onprem', 'partner');
    for (const url of [
      'https://10.20.3.4/h',
      'https://ris.hospital.example/h',
      'https://hooks.corp.internal/h',
      'https://[fd12::5]/h',
      'https://[::ffff:10.20.0.9]/h',
    ]) {
      expect((await register(x, k, url)).status, url).toBe(201);
    }
    for (const url of ['https://10.21.0.1/h', 'https://127.0.0.1/h', 'https://other.corp.internal/h'])
      expect((await register(x, k, url)).status, url).toBe(400);
    x.close();
    expect(() => parseConfig({ EMBOLUS_WEBHOOK_ALLOW_INTERNAL: '10.0.0.0/99' })).toThrow(/EMBOLUS_WEBHOOK_ALLOW_INTERNAL/);
  });
});

/** Uploads, submits and completes one study, so that a delivery is queued. */
async function analyse(x: Harness, tenant: string): Promise<void> {
  const clinician = await x.key(tenant, 'clinician');
  const runner = await x.key(tenant, 'runner');
  const { id } = (await (await x.request('POST', '/v1/studies', { key: clinician })).json()) as { id: string };
  const s = ctStudy(1);
  await x.request('PUT', `/v1/studies/${id}/instances/${s.slices[0]?.sop}`, {
    key: clinician,
    body: s.slices[0]?.bytes as never,
    headers: { 'content-type': 'application/dicom' },
  });
  await x.request('POST', `/v1/studies/${id}/submit`, { key: clinician });
  const c = (await (await x.request('POST', '/v1/runner/jobs/claim', { key: runner })).json()) as {
    job: { id: string };
    leaseToken: string;
  };
  const done = await x.request('POST', `/v1/runner/jobs/${c.job.id}/complete`, {
    key: runner,
    json: { result: analysisResult({ central: false, rvlv: false }) },
    headers: { 'embolus-lease-token': c.leaseToken },
  });
  expect(done.status).toBe(200);
}

describe('webhook delivery', () => {
  it('checks the target again before every attempt (DNS rebinding) and never sends inside', async () => {
    const x = harness({ EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS: '0' });
    const k = await x.key('rebind', 'partner');
    x.dns.set('rebind.attacker.test', ['93.184.215.14']);
    const { id } = (await (await register(x, k, 'https://rebind.attacker.test/h')).json()) as { id: string };
    x.dns.set('rebind.attacker.test', ['169.254.169.254']);
    await analyse(x, 'rebind');
    x.hooks.sent.length = 0;
    expect(await dispatchWebhooks(x.deps)).toEqual({ attempted: 1, delivered: 0 });
    expect(x.hooks.sent).toEqual([]);
    const log = (await (await x.request('GET', `/v1/webhooks/${id}/deliveries`, { key: k })).json()) as {
      items: { lastError: string; lastStatus: number | null }[];
    };
    expect(log.items[0]).toMatchObject({ lastError: 'target refused: INTERNAL_ADDRESS', lastStatus: null });
    // Pointed back outside, the retry goes out.
    x.dns.set('rebind.attacker.test', ['93.184.215.14']);
    expect(await dispatchWebhooks(x.deps)).toEqual({ attempted: 1, delivered: 1 });
    expect(x.hooks.sent.map((s) => s.url)).toEqual(['https://rebind.attacker.test/h']);
    x.close();
  });

  it('does not follow redirects: a 3xx is a failed attempt', async () => {
    const x = harness({ EMBOLUS_WEBHOOK_BACKOFF_BASE_SECONDS: '0' });
    const k = await x.key('redirect', 'partner');
    const { id } = (await (await register(x, k, 'https://partner.example/h')).json()) as { id: string };
    await analyse(x, 'redirect');
    let init: RequestInit | undefined;
    const fetch = x.deps.fetch;
    x.hooks.status = 307;
    (x.deps as { fetch: typeof globalThis.fetch }).fetch = async (u, i) => ((init = i), fetch(u, i));
    expect(await dispatchWebhooks(x.deps)).toEqual({ attempted: 1, delivered: 0 });
    expect(init?.redirect).toBe('manual');
    const log = (await (await x.request('GET', `/v1/webhooks/${id}/deliveries`, { key: k })).json()) as {
      items: { status: string; lastError: string }[];
    };
    expect(log.items[0]).toMatchObject({ status: 'pending', lastError: 'HTTP 307: redirect not followed' });
    x.close();
  });
});

describe('target classification', () => {
  it('treats only global unicast as public', () => {
    for (const a of ['8.8.8.8', '93.184.215.14', '2606:4700::1111', '::ffff:8.8.8.8']) expect(isPublicAddress(a), a).toBe(true);
    for (const a of [
      '127.0.0.1',
      '::ffff:7f00:1',
      '::7f00:1',
      '100.127.255.255',
      '198.18.0.0',
      '192.0.2.1',
      '2001:db8::1',
      'fc00::1',
      'fe80::1',
      'not-an-ip',
    ])
      expect(isPublicAddress(a), a).toBe(false);
  });

  it('refuses when resolution fails or hangs', async () => {
    const allow = parseConfig({}).webhookAllowInternal;
    const hang = () => new Promise<string[]>(() => undefined);
    expect(await checkTarget(new URL('https://slow.example/'), { resolve: hang, allow, timeoutMs: 20 })).toMatchObject({
      ok: false,
      reason: 'UNRESOLVED',
    });
    expect(await checkTarget(new URL('https://empty.example/'), { resolve: async () => [], allow, timeoutMs: 20 })).toMatchObject({
      ok: false,
      reason: 'UNRESOLVED',
    });
    // Without a resolver (Workers) names pass the name rules only; literals are still checked.
    expect(await checkTarget(new URL('https://partner.example/'), { allow, timeoutMs: 20 })).toEqual({ ok: true, addresses: [] });
    expect(await checkTarget(new URL('https://[::ffff:127.0.0.1]/'), { allow, timeoutMs: 20 })).toMatchObject({
      ok: false,
      reason: 'INTERNAL_ADDRESS',
    });
  });
});
