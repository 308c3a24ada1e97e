/**
 * Dashboard accounts and sessions: sign-in, cookies, CSRF, expiry, idle timeout, sign-out,
 * rate limits, audit, and the same role and tenant checks as keys.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createStore, sha256Hex, type UserRole } from '@embolus/db';
import { openSqlite } from '@embolus/db/node';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../src/auth/password';
import { pruneAudit } from '../src/maintenance';
import { errorOf, harness } from './helpers/harness';

const h = harness({ EMBOLUS_SESSION_HOURS: '12', EMBOLUS_SESSION_IDLE_MINUTES: '30', EMBOLUS_SIGNIN_ATTEMPTS_PER_MINUTE: '5' });
afterAll(() => h.close());

const PASSWORD = 'correct horse battery';
const ORIGIN = 'http://localhost';

async function user(tenant: string, email: string, role: UserRole): Promise<void> {
  const t = await h.deps.store.tenants.ensure(tenant);
  await h.deps.store.users.create({ tenantId: t.id, email, role, passwordHash: await hashPassword(PASSWORD) });
}

/** Signs in and returns the cookie header to send back and the CSRF token. */
async function signIn(
  email: string,
  password = PASSWORD,
  url = '/v1/auth/sign-in',
): Promise<{ res: Response; cookie: string; csrf: string }> {
  const res = await h.app.request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email, password }),
  });
  const set = res.headers.get('set-cookie') ?? '';
  const body = res.status === 200 ? ((await res.clone().json()) as { csrfToken: string }) : { csrfToken: '' };
  return { res, cookie: set.split(';')[0] ?? '', csrf: body.csrfToken };
}

const get = (p: string, cookie: string) => h.app.request(p, { headers: { cookie } });
const post = (p: string, cookie: string, headers: Record<string, string>, json?: unknown) =>
  h.app.request(p, {
    method: 'POST',
    headers: { cookie, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(json ?? {}),
  });

async function auditActions(): Promise<{ action: string; detail: string | null; key_id: string | null }[]> {
  return (await h.deps.store.driver.select('SELECT action, detail, key_id FROM audit_log ORDER BY id', [])) as never;
}

describe('passwords', () => {
  it('are stored as scrypt hashes that verify only the right password', async () => {
    const hash = await hashPassword(PASSWORD);
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, hash)).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, hash)).toBe(false);
    expect(await verifyPassword(PASSWORD, 'scrypt$3$8$1$abc$def')).toBe(false);
    await expect(hashPassword('short')).rejects.toMatchObject({ code: 'WEAK_PASSWORD' });
  });
});

describe('sign-in', () => {
  it('refuses a wrong password and an unknown email alike, and audits both without the email', async () => {
    await user('acme', 'doc@acme.test', 'clinician');
    const wrong = await signIn('doc@acme.test', 'not the password');
    expect(wrong.res.status).toBe(401);
    expect(wrong.res.headers.get('set-cookie')).toBeNull();
    const unknown = await signIn('nobody@acme.test');
    expect(unknown.res.status).toBe(401);
    expect((await errorOf(unknown.res)).message).toBe((await errorOf(wrong.res)).message);
    const failures = (await auditActions()).filter((a) => a.action === 'auth.sign_in_failed');
    expect(failures.map((f) => JSON.parse(f.detail ?? '{}').reason)).toEqual(['wrong_password', 'unknown_email']);
    expect(JSON.stringify(failures)).not.toContain('@acme.test');
  });

  it('sets an httpOnly SameSite cookie holding a token stored only as its hash', async () => {
    const { res, cookie } = await signIn('DOC@acme.test ');
    expect(res.status).toBe(200);
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/^embolus_session=ems_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=43200$/);
    const body = (await res.json()) as Record<string, any>;
    expect(body.user).toMatchObject({ email: 'doc@acme.test', role: 'clinician', tenantName: 'acme' });
    const token = cookie.split('=')[1] as string;
    expect(JSON.stringify(body)).not.toContain(token);
    const rows = await h.deps.store.driver.select('SELECT token_hash FROM sessions', []);
    expect(rows.map((r) => r['token_hash'])).toContain(await sha256Hex(token));
    expect(JSON.stringify(rows)).not.toContain(token);
    expect((await h.deps.store.driver.select(`SELECT 1 FROM audit_log WHERE action = 'auth.sign_in'`, [])).length).toBeGreaterThan(0);
  });

  it('marks the cookie Secure when served over https, and refuses a cross-origin sign-in', async () => {
    const https = await h.app.request('https://dash.example/v1/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://dash.example' },
      body: JSON.stringify({ email: 'doc@acme.test', password: PASSWORD }),
    });
    expect(https.status).toBe(200);
    expect(https.headers.get('set-cookie')).toMatch(/; Secure$/);
    const cross = await h.app.request('/v1/auth/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ email: 'doc@acme.test', password: PASSWORD }),
    });
    expect(cross.status).toBe(403);
  });

  it('is rate-limited per account, even for the right password, and the refusal is audited', async () => {
    await user('acme', 'busy@acme.test', 'clinician');
    for (let i = 0; i < 5; i++) expect((await signIn('busy@acme.test', 'wrong password!')).res.status).toBe(401);
    const limited = await signIn('busy@acme.test');
    expect(limited.res.status).toBe(429);
    expect(Number(limited.res.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(
      (await auditActions()).some((a) => a.action === 'auth.sign_in_failed' && JSON.parse(a.detail ?? '{}').reason === 'rate_limited'),
    ).toBe(true);
    h.clock.advance(60_000);
    expect((await signIn('busy@acme.test')).res.status).toBe(200);
  });
});

describe('a session where a key is accepted', () => {
  it('has the same role checks as a key of that role', async () => {
    await user('acme', 'quality@acme.test', 'quality');
    await user('acme', 'admin@acme.test', 'admin');
    const doc = await signIn('doc@acme.test');
    const quality = await signIn('quality@acme.test');
    const admin = await signIn('admin@acme.test');
    expect((await get('/v1/studies', doc.cookie)).status).toBe(200);
    expect((await get('/v1/metrics/cohort', doc.cookie)).status).toBe(403);
    expect((await get('/v1/metrics/cohort', quality.cookie)).status).toBe(200);
    expect((await post('/v1/studies', quality.cookie, { 'x-csrf-token': quality.csrf, origin: ORIGIN })).status).toBe(403);
    expect((await get('/v1/keys', admin.cookie)).status).toBe(200);
    expect((await get('/v1/keys', doc.cookie)).status).toBe(403);
    const who = (await (await get('/v1/auth/session', doc.cookie)).json()) as { user: { role: string }; csrfToken: string };
    expect(who).toMatchObject({ user: { role: 'clinician' }, csrfToken: doc.csrf });
  });

  it('sees its own tenant only', async () => {
    await user('other', 'doc@other.test', 'clinician');
    const key = await h.key('acme', 'clinician');
    const study = (await (await h.request('POST', '/v1/studies', { key, json: {} })).json()) as { id: string };
    const mine = await signIn('doc@acme.test');
    const theirs = await signIn('doc@other.test');
    expect((await get(`/v1/studies/${study.id}`, mine.cookie)).status).toBe(200);
    expect((await get(`/v1/studies/${study.id}`, theirs.cookie)).status).toBe(404);
  });

  it('needs the CSRF token and a same origin for every change', async () => {
    const { cookie, csrf } = await signIn('doc@acme.test');
    expect((await post('/v1/studies', cookie, {})).status).toBe(403);
    expect((await post('/v1/studies', cookie, { 'x-csrf-token': 'x'.repeat(43), origin: ORIGIN })).status).toBe(403);
    expect((await post('/v1/studies', cookie, { 'x-csrf-token': csrf, origin: 'https://evil.example' })).status).toBe(403);
    expect((await post('/v1/studies', cookie, { 'x-csrf-token': csrf, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    const other = await signIn('quality@acme.test');
    expect((await post('/v1/studies', cookie, { 'x-csrf-token': other.csrf, origin: ORIGIN })).status).toBe(403);
    expect((await post('/v1/studies', cookie, { 'x-csrf-token': csrf, origin: ORIGIN })).status).toBe(201);
  });

  it('ends on sign-out, which clears the cookie and is audited', async () => {
    const { cookie, csrf } = await signIn('doc@acme.test');
    expect((await post('/v1/auth/sign-out', cookie, {})).status).toBe(403);
    const out = await post('/v1/auth/sign-out', cookie, { 'x-csrf-token': csrf, origin: ORIGIN });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^embolus_session=; .*Max-Age=0/);
    const after = await get('/v1/studies', cookie);
    expect(after.status).toBe(401);
    expect((await auditActions()).some((a) => a.action === 'auth.sign_out')).toBe(true);
  });

  it('ends after the idle timeout, and at its expiry even when used', async () => {
    const idle = await signIn('doc@acme.test');
    h.clock.advance(31 * 60_000);
    const res = await get('/v1/studies', idle.cookie);
    expect(res.status).toBe(401);
    expect((await errorOf(res)).details).toEqual({ reason: 'idle' });
    expect(res.headers.get('set-cookie')).toMatch(/Max-Age=0/);

    const busy = await signIn('doc@acme.test');
    for (let t = 0; t < 12 * 60; t += 20) {
      expect((await get('/v1/studies', busy.cookie)).status, `after ${t} min`).toBe(200);
      h.clock.advance(20 * 60_000);
    }
    const ended = await get('/v1/studies', busy.cookie);
    expect(ended.status).toBe(401);
    expect((await errorOf(ended)).details).toEqual({ reason: 'expired' });
    expect((await auditActions()).filter((a) => a.action === 'auth.session_ended').map((a) => JSON.parse(a.detail ?? '{}').reason)).toEqual(
      ['idle', 'expired'],
    );
  });

  it('are not kept alive by background refreshes (a worklist left open still idles out)', async () => {
    const { cookie } = await signIn('doc@acme.test');
    const poll = () => h.app.request('/v1/studies', { headers: { cookie, 'x-embolus-background': '1' } });
    for (let m = 0; m < 30; m += 5) {
      h.clock.advance(5 * 60_000);
      expect((await poll()).status, `after ${m + 5} min`).toBe(200);
    }
    h.clock.advance(60_001);
    const res = await poll();
    expect(res.status).toBe(401);
    expect((await errorOf(res)).details).toEqual({ reason: 'idle' });
  });

  it('are deleted by the hourly pruning a day after they ended', async () => {
    const ids = async () => (await h.deps.store.driver.select('SELECT id FROM sessions', [])).map((r) => r['id']);
    h.clock.advance(37 * 3_600_000);
    await pruneAudit(h.deps);
    // Every session so far ended (expired at the latest) more than a day ago.
    expect(await ids()).toEqual([]);
    const first = await signIn('doc@acme.test');
    h.clock.advance(12 * 3_600_000 + 1);
    await pruneAudit(h.deps);
    expect(await ids()).toHaveLength(1);
    const second = await signIn('doc@acme.test');
    h.clock.advance(24 * 3_600_000);
    await pruneAudit(h.deps);
    expect(await ids()).toHaveLength(1);
    expect((await get('/v1/studies', first.cookie)).status).toBe(401);
    expect((await get('/v1/studies', second.cookie)).status).toBe(401);
  });

  it('lets a key keep working beside a cookie: an Authorization header wins', async () => {
    const key = await h.key('acme', 'runner');
    const { cookie } = await signIn('doc@acme.test');
    // The runner key (no study access) decides, not the clinician's cookie.
    expect((await h.app.request('/v1/studies', { headers: { cookie, authorization: `Bearer ${key}` } })).status).toBe(403);
  });
});

describe('users', () => {
  it('are created by an admin (by session or key) and listed without hashes', async () => {
    const admin = await signIn('admin@acme.test');
    const created = await post(
      '/v1/users',
      admin.cookie,
      { 'x-csrf-token': admin.csrf, origin: ORIGIN },
      { email: 'new@acme.test', role: 'quality', password: 'another long password' },
    );
    expect(created.status).toBe(201);
    expect(
      (
        await post(
          '/v1/users',
          admin.cookie,
          { 'x-csrf-token': admin.csrf, origin: ORIGIN },
          { email: 'new@acme.test', role: 'quality', password: 'another long password' },
        )
      ).status,
    ).toBe(409);
    const list = await (await get('/v1/users', admin.cookie)).text();
    expect(list).toContain('new@acme.test');
    expect(list).not.toContain('scrypt');
    expect((await signIn('new@acme.test', 'another long password')).res.status).toBe(200);
    const doc = await signIn('doc@acme.test');
    expect((await get('/v1/users', doc.cookie)).status).toBe(403);
  });

  it('are created by `embolus-api users create`, with a generated password printed once', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embolus-users-'));
    try {
      const bin = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/embolus-api.mjs');
      const run = (args: string[], env: Record<string, string> = {}) =>
        new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
          execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...env } }, (err, stdout, stderr) =>
            resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
          ),
        );
      const out = await run(['users', 'create', '--data', dir, '--tenant', 'clinic', '--email', 'ada@clinic.test', '--role', 'admin']);
      expect(out.code, out.stderr).toBe(0);
      const password = out.stdout.trim();
      expect(password).toMatch(/^[A-Za-z0-9_-]{20}$/);
      expect(
        (await run(['users', 'create', '--data', dir, '--tenant', 'clinic', '--email', 'bob@clinic.test', '--role', 'runner'])).code,
      ).toBe(1);
      const given = await run(['users', 'create', '--data', dir, '--tenant', 'clinic', '--email', 'bob@clinic.test', '--role', 'quality'], {
        EMBOLUS_USER_PASSWORD: 'a password from env',
      });
      expect(given.code, given.stderr).toBe(0);
      expect(given.stdout).toBe('');
      const weak = await run(['users', 'create', '--data', dir, '--tenant', 'clinic', '--email', 'eve@clinic.test', '--role', 'quality'], {
        EMBOLUS_USER_PASSWORD: 'short',
      });
      expect(weak.code).toBe(2);
      expect(weak.stderr).toContain('WEAK_PASSWORD');
      const db = openSqlite(path.join(dir, 'embolus.sqlite'));
      try {
        const store = createStore(db.driver);
        const ada = await store.users.byEmail('ada@clinic.test');
        expect(await verifyPassword(password, ada?.passwordHash ?? '')).toBe(true);
        expect(await verifyPassword('a password from env', (await store.users.byEmail('bob@clinic.test'))?.passwordHash ?? '')).toBe(true);
        expect(await store.users.byEmail('eve@clinic.test')).toBeNull();
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
