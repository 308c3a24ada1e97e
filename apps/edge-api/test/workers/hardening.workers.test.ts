/**
 * The hardening inside workerd: webhook targets checked without DNS (literals and reserved
 * names), failed authentication limited per CF-Connecting-IP, security headers and preflights.
 */
import { applyD1Migrations, env, SELF } from 'cloudflare:test';
import { createStore, d1Driver } from '@embolus/db';
import { beforeAll, describe, expect, it } from 'vitest';

const call = (p: string, init: RequestInit = {}) => SELF.fetch(`https://embolus.test${p}`, init);
let partner: string;
beforeAll(async () => {
  await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
  const store = createStore(d1Driver(env.DB));
  const t = await store.tenants.ensure('hardening');
  partner = (await store.keys.create({ tenantId: t.id, role: 'partner' })).key;
});

describe('hardening on Workers', () => {
  it('refuses internal webhook targets', async () => {
    const register = (url: string) =>
      call('/v1/webhooks', {
        method: 'POST',
        headers: { authorization: `Bearer ${partner}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url }),
      });
    for (const url of [
      'https://[::ffff:127.0.0.1]/',
      'https://[::ffff:a00:1]/',
      'https://metadata.google.internal/',
      'https://198.18.0.1/',
      'https://224.0.0.1/',
      'https://255.255.255.255/',
      'https://169.254.169.254/',
    ]) {
      expect((await register(url)).status, url).toBe(400);
    }
    const ok = await register('https://partner.example/h');
    expect(ok.status).toBe(201);
    expect(ok.headers.get('cache-control')).toBe('no-store');
    expect(ok.headers.get('x-frame-options')).toBe('DENY');
  });

  it('limits failed authentication per CF-Connecting-IP and answers preflights', async () => {
    const from = (ip: string) => call('/v1/studies', { headers: { authorization: 'Bearer emb_wrong', 'cf-connecting-ip': ip } });
    const statuses: number[] = [];
    for (let i = 0; i < 31; i++) statuses.push((await from('203.0.113.9')).status);
    expect(statuses.slice(0, 30).every((s) => s === 401)).toBe(true);
    expect(statuses[30]).toBe(429);
    expect((await from('198.51.100.9')).status).toBe(401);
    const pre = await call('/v1/studies', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
  });
});
