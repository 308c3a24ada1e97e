/**
 * Response headers: no-store and the security headers on every answer (above all those carrying
 * a new key or webhook secret, and errors), and CORS: denied by default, allowed for configured
 * origins, preflights answered without a key.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, ctStudy } from '@embolus/testkit';
import { harness, type Harness } from './helpers/harness';

let h: Harness;
let admin: string;
let partner: string;
beforeAll(async () => {
  h = harness();
  admin = await h.key('hdr', 'admin');
  partner = await h.key('hdr', 'partner');
});
afterAll(() => h.close());

function expectSecurityHeaders(res: Response, what: string): void {
  expect(res.headers.get('cache-control'), what).toMatch(/no-store/);
  expect(res.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(res.headers.get('x-frame-options'), what).toBe('DENY');
  expect(res.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  expect(res.headers.get('referrer-policy'), what).toBe('no-referrer');
}

describe('response headers', () => {
  it('mark every JSON answer no-store, first of all new keys and webhook secrets', async () => {
    const key = await h.request('POST', '/v1/keys', { key: admin, json: { role: 'clinician' } });
    expect(key.status).toBe(201);
    expect(((await key.json()) as { key: string }).key).toBeTruthy();
    expectSecurityHeaders(key, 'POST /v1/keys');
    const hook = await h.request('POST', '/v1/webhooks', { key: partner, json: { url: 'https://partner.example/h' } });
    expect(hook.status).toBe(201);
    expectSecurityHeaders(hook, 'POST /v1/webhooks');
    const study = (await (await h.request('POST', '/v1/studies', { key: partner })).json()) as { id: string };
    const m = multipart([{ bytes: ctStudy(1).slices[0]?.bytes as Uint8Array }], 'related');
    const answers: [string, Response][] = [
      ['health', await h.request('GET', '/v1/health')],
      ['openapi', await h.request('GET', '/v1/openapi.json')],
      ['worklist', await h.request('GET', '/v1/studies', { key: partner })],
      ['study', await h.request('GET', `/v1/studies/${study.id}`, { key: partner })],
      ['401', await h.request('GET', '/v1/studies')],
      ['403', await h.request('GET', '/v1/keys', { key: partner })],
      ['404 route', await h.request('GET', '/v1/nothing-here', { key: partner })],
      ['400', await h.request('POST', '/v1/webhooks', { key: partner, json: { url: 12 } })],
      [
        'stow',
        await h.request('POST', '/dicomweb/studies', { key: partner, body: m.body as never, headers: { 'content-type': m.contentType } }),
      ],
    ];
    for (const [what, res] of answers) expectSecurityHeaders(res, what);
    // Downloads keep their own, single Cache-Control.
    const s = ctStudy(1).slices[0] as { sop: string; bytes: Uint8Array };
    const { id } = (await (await h.request('POST', '/v1/studies', { key: partner })).json()) as { id: string };
    expect(
      (
        await h.request('PUT', `/v1/studies/${id}/instances/${s.sop}`, {
          key: partner,
          body: s.bytes as never,
          headers: { 'content-type': 'application/dicom' },
        })
      ).status,
    ).toBe(201);
    const download = await h.request('GET', `/v1/studies/${id}/instances/${s.sop}`, { key: partner });
    expect(download.status).toBe(200);
    expect(download.headers.get('cache-control')).toBe('private, no-store');
    expect(download.headers.get('x-frame-options')).toBe('DENY');
  });
});

describe('CORS', () => {
  it('is denied by default, preflights included', async () => {
    const pre = await h.request('OPTIONS', '/v1/studies', {
      headers: {
        origin: 'https://evil.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expectSecurityHeaders(pre, 'preflight');
    const get = await h.request('GET', '/v1/studies', { key: partner, headers: { origin: 'https://evil.example' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the configured origins only', async () => {
    const x = harness({ EMBOLUS_CORS_ORIGINS: 'https://viewer.partner.example, http://localhost:3000' });
    const k = await x.key('cors', 'partner');
    const pre = await x.request('OPTIONS', '/v1/studies', {
      headers: {
        origin: 'https://viewer.partner.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'authorization',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://viewer.partner.example');
    expect(pre.headers.get('access-control-allow-methods')).toContain('GET');
    expect(pre.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const get = await x.request('GET', '/v1/studies', { key: k, headers: { origin: 'http://localhost:3000' } });
    expect(get.headers.get('access-control-allow-origin')).toBe('http://localhost:3000');
    expect(get.headers.get('vary')).toContain('Origin');
    expect(get.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    const other = await x.request('GET', '/v1/studies', { key: k, headers: { origin: 'https://viewer.partner.example.evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    x.close();
  });

  it('refuses origins that are not origins in the setting', async () => {
    expect(() => harness({ EMBOLUS_CORS_ORIGINS: 'https://a.example/path' })).toThrow(/EMBOLUS_CORS_ORIGINS/);
    expect(() => harness({ EMBOLUS_CORS_ORIGINS: '*' })).toThrow(/EMBOLUS_CORS_ORIGINS/);
  });
});
