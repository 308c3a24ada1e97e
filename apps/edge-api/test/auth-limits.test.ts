/**
 * Authentication hardening: a key revoked elsewhere (the CLI, another process over the same
 * database) stops working within 2 s, and failed authentication is rate-limited per client
 * address.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/app';
import { parseConfig } from '../src/env';
import { main } from '../src/node/cli';
import { openNodeRuntime } from '../src/node/deps';
import { startServer } from '../src/node/serve';
import { errorOf, harness, TestClock } from './helpers/harness';

describe('key revocation', () => {
  it('takes effect within 2 s in a process that cached the key, after a CLI revoke in another', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-revoke-'));
    const clock = new TestClock();
    // Default settings: the auth cache is on.
    const rt = openNodeRuntime(dir, { env: { EMBOLUS_LOG_LEVEL: 'silent' }, clock });
    const app = createApp(rt.deps);
    const tenant = await rt.deps.store.tenants.ensure('revoke');
    const { key, info } = await rt.deps.store.keys.create({ tenantId: tenant.id, role: 'clinician' });
    const get = () => app.request('/v1/studies', { headers: { authorization: `Bearer ${key}` } });
    expect((await get()).status).toBe(200);
    // The CLI opens its own connection to the database file, as another process does.
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['keys', 'revoke', '--data', dir, '--tenant', 'revoke', '--id', info.id])).toBe(0);
    stderr.mockRestore();
    clock.advance(2_000);
    expect((await get()).status).toBe(401);
    await rt.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('caps the auth cache at 2 s', () => {
    expect(parseConfig({}).authCacheMs).toBeLessThanOrEqual(2_000);
    expect(() => parseConfig({ EMBOLUS_AUTH_CACHE_SECONDS: '30' })).toThrow(/EMBOLUS_AUTH_CACHE_SECONDS/);
  });
});

describe('failed authentication', () => {
  it('is limited per client address, before any key is checked, until the window ends', async () => {
    const h = harness({ EMBOLUS_AUTH_FAILURES_PER_MINUTE: '5' });
    const good = await h.key('fail', 'clinician');
    const from = (address: string, key: string) => h.request('GET', '/v1/studies', { key, headers: { 'x-test-client-address': address } });
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.7', `emb_wrong${i}`)).status).toBe(401);
    const limited = await from('203.0.113.7', 'emb_wrong-again');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await errorOf(limited)).code).toBe('RATE_LIMITED');
    // Even a right key is not looked at from that address now, and a missing header counts too.
    expect((await from('203.0.113.7', good)).status).toBe(429);
    expect((await h.request('GET', '/v1/studies', { headers: { 'x-test-client-address': '203.0.113.7' } })).status).toBe(429);
    // Other addresses are not affected.
    expect((await from('198.51.100.1', good)).status).toBe(200);
    expect((await from('198.51.100.1', 'emb_wrong')).status).toBe(401);
    // Public routes stay public.
    expect((await h.request('GET', '/v1/health', { headers: { 'x-test-client-address': '203.0.113.7' } })).status).toBe(200);
    h.clock.advance(60_000);
    expect((await from('203.0.113.7', good)).status).toBe(200);
    h.close();
  });

  it('does not count successful requests', async () => {
    const h = harness({ EMBOLUS_AUTH_FAILURES_PER_MINUTE: '2' });
    const good = await h.key('ok', 'clinician');
    for (let i = 0; i < 20; i++)
      expect((await h.request('GET', '/v1/studies', { key: good, headers: { 'x-test-client-address': '203.0.113.8' } })).status).toBe(200);
    h.close();
  });

  it('on Node counts the socket peer, and X-Forwarded-For only from trusted proxies', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-authfail-'));
    const statuses = async (env: Record<string, string>, forwarded: string[]) => {
      const s = await startServer({
        dataDir: path.join(dir, String(Object.keys(env).length)),
        port: 0,
        dispatcher: false,
        env: { EMBOLUS_LOG_LEVEL: 'silent', EMBOLUS_AUTH_FAILURES_PER_MINUTE: '3', ...env },
      });
      const out: number[] = [];
      for (const xff of forwarded)
        out.push(
          (await fetch(`http://127.0.0.1:${s.port}/v1/studies`, { headers: { authorization: 'Bearer emb_wrong', 'x-forwarded-for': xff } }))
            .status,
        );
      await s.close();
      return out;
    };
    // Untrusted peer: X-Forwarded-For is ignored, every attempt is 127.0.0.1's.
    expect(await statuses({}, ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'])).toEqual([401, 401, 401, 429]);
    // Behind a trusted proxy: the forwarded client is counted, hops the proxy added are skipped.
    expect(
      await statuses({ EMBOLUS_TRUSTED_PROXIES: '127.0.0.1, 10.0.0.0/8' }, [
        '203.0.113.1',
        '198.51.100.7, 203.0.113.1',
        '203.0.113.1, 10.1.1.1',
        '203.0.113.1',
        '203.0.113.2',
      ]),
    ).toEqual([401, 401, 401, 429, 401]);
    rmSync(dir, { recursive: true, force: true });
  });
});
