/**
 * Dashboard sessions inside workerd (D1): scrypt from node:crypto under nodejs_compat hashes and
 * verifies, and a signed-in session reads the worklist and must send its CSRF token to change it.
 */
import { applyD1Migrations, env, SELF } from 'cloudflare:test';
import { createStore, d1Driver } from '@embolus/db';
import { describe, expect, it } from 'vitest';
import { hashPassword } from '../../src/auth/password';

const ORIGIN = 'https://embolus.test';

describe('sessions on workerd', () => {
  it('signs in with a scrypt-hashed password, sets a Secure cookie, and checks CSRF on changes', async () => {
    await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
    const store = createStore(d1Driver(env.DB));
    const t = await store.tenants.ensure('workers-dash');
    await store.users.create({
      tenantId: t.id,
      email: 'doc@workers.test',
      role: 'clinician',
      passwordHash: await hashPassword('a password on workers'),
    });
    const signIn = (password: string) =>
      SELF.fetch(`${ORIGIN}/v1/auth/sign-in`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: ORIGIN },
        body: JSON.stringify({ email: 'doc@workers.test', password }),
      });
    expect((await signIn('not the password')).status).toBe(401);
    const res = await signIn('a password on workers');
    expect(res.status).toBe(200);
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly; SameSite=Strict; Max-Age=\d+; Secure$/);
    const cookie = set.split(';')[0] as string;
    const { csrfToken } = (await res.json()) as { csrfToken: string };
    expect((await SELF.fetch(`${ORIGIN}/v1/studies`, { headers: { cookie } })).status).toBe(200);
    expect((await SELF.fetch(`${ORIGIN}/v1/studies`, { method: 'POST', headers: { cookie, origin: ORIGIN } })).status).toBe(403);
    expect(
      (await SELF.fetch(`${ORIGIN}/v1/studies`, { method: 'POST', headers: { cookie, origin: ORIGIN, 'x-csrf-token': csrfToken } })).status,
    ).toBe(201);
  });
});
