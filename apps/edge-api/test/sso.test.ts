/**
 * Single sign-on through OpenID Connect (issue 18), against a LOCAL OpenID provider run by the
 * test (`oidc-provider` on 127.0.0.1) and the real API listening on loopback: the full code flow
 * (PKCE, state, nonce, ID token checked against the IdP's JWKS) maps the group `pe-quality` to
 * the quality role and starts the normal session; a person without a mapped group is refused
 * with a clear message; a tampered state, or a callback in another browser, is refused.
 */
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { startLocalIdp, type LocalIdp } from '@embolus/testkit/oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleForGroups, groupsOf } from '../src/auth/oidc';
import { hashPassword } from '../src/auth/password';
import { errorOf, harness } from './helpers/harness';

const h = harness({ EMBOLUS_SECRETS_KEY: Buffer.alloc(32, 7).toString('base64') });
let server: ServerType;
let api: string;
let idp: LocalIdp;
let tenantId: string;
let admin: (method: string, p: string, json?: unknown) => Promise<Response>;

beforeAll(async () => {
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: h.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(s));
  });
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  idp = await startLocalIdp({
    redirectUris: [`${api}/v1/auth/oidc/callback`],
    people: {
      'q.person': { email: 'q.person@hospital.test', groups: ['staff', 'pe-quality'] },
      'no.group': { email: 'no.group@hospital.test', groups: ['staff'] },
    },
  });
  const t = await h.deps.store.tenants.ensure('hospital');
  tenantId = t.id;
  await h.deps.store.users.create({
    tenantId,
    email: 'admin@hospital.test',
    role: 'admin',
    passwordHash: await hashPassword('admin password 1'),
  });
  const res = await fetch(`${api}/v1/auth/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@hospital.test', password: 'admin password 1' }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  const { csrfToken } = (await res.json()) as { csrfToken: string };
  admin = (method, p, json) =>
    fetch(`${api}${p}`, {
      method,
      headers: { cookie, 'x-csrf-token': csrfToken, ...(json ? { 'content-type': 'application/json' } : {}) },
      ...(json ? { body: JSON.stringify(json) } : {}),
    });
});

afterAll(async () => {
  await idp?.stop();
  await new Promise((r) => server?.close(r));
  h.close();
});

/** Starts a sign-in as a browser would: returns the IdP URL and the binding cookie. */
async function start(): Promise<{ authUrl: string; binding: string }> {
  const res = await fetch(`${api}/v1/auth/oidc/${tenantId}/start?next=/admin/users`, { redirect: 'manual' });
  expect(res.status).toBe(302);
  const binding =
    res.headers
      .getSetCookie()
      .find((c) => c.startsWith('embolus_oidc='))
      ?.split(';')[0] ?? '';
  expect(binding).toMatch(/^embolus_oidc=.+/);
  return { authUrl: res.headers.get('location') as string, binding };
}

/** Sends the IdP's redirect back to the API's callback with `cookie`. */
const callback = (url: URL, cookie: string) => fetch(url, { redirect: 'manual', headers: { cookie } });

describe('single sign-on settings', () => {
  it('saves the IdP after checking its discovery document, never returns the secret, and audits', async () => {
    const body = {
      displayName: 'Hospital Login',
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      scopes: 'openid email groups',
      groupClaim: 'groups',
      roleMap: [{ group: 'pe-quality', role: 'quality' }],
    };
    // Before anything is saved: not configured; the form's default is to offer it once saved.
    expect(await (await admin('GET', '/v1/tenant/sso')).json()).toMatchObject({
      configured: false,
      clientSecretSet: false,
      enabled: true,
      roleMap: [],
    });
    expect(await errorOf(await admin('PUT', '/v1/tenant/sso', { ...body, issuer: 'http://idp.example.org' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { parameter: 'issuer' },
    });
    expect(await errorOf(await admin('PUT', '/v1/tenant/sso', { ...body, issuer: 'http://127.0.0.1:9' }))).toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('could not be reached'),
    });
    const res = await admin('PUT', '/v1/tenant/sso', body);
    expect(res.status).toBe(200);
    const saved = await res.text();
    expect(saved).not.toContain(idp.clientSecret);
    expect(JSON.parse(saved)).toMatchObject({
      configured: true,
      clientSecretSet: true,
      enabled: true,
      redirectUri: `${api}/v1/auth/oidc/callback`,
    });
    const [row] = await h.deps.store.driver.select('SELECT client_secret FROM oidc_providers WHERE tenant_id = ?', [tenantId]);
    expect(String(row?.['client_secret'])).toMatch(/^v1\./);
    expect(String(row?.['client_secret'])).not.toContain(idp.clientSecret);
    expect(await (await fetch(`${api}/v1/auth/sso`)).json()).toEqual({
      providers: [{ tenantId, name: 'Hospital Login', startUrl: `/v1/auth/oidc/${tenantId}/start` }],
    });
    expect((await h.deps.store.audit.list(tenantId, { action: 'sso.create', limit: 1 }))[0]?.keyId).toMatch(/^user:/);
  });
});

describe('the code flow against the local IdP', () => {
  it('maps pe-quality to the quality role: the callback starts a normal session (cookie + CSRF)', async () => {
    const { authUrl, binding } = await start();
    const auth = new URL(authUrl);
    expect(auth.origin).toBe(idp.issuer);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    for (const p of ['state', 'nonce', 'code_challenge']) expect(auth.searchParams.get(p)).toBeTruthy();
    const back = await idp.signInHttp(authUrl, 'q.person');
    expect(`${back.origin}${back.pathname}`).toBe(`${api}/v1/auth/oidc/callback`);
    const res = await callback(back, binding);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/admin/users');
    const session = res.headers.getSetCookie().find((c) => c.startsWith('embolus_session='));
    expect(session).toMatch(/HttpOnly; SameSite=Strict/);
    const cookie = session!.split(';')[0] as string;
    const who = (await (await fetch(`${api}/v1/auth/session`, { headers: { cookie } })).json()) as {
      user: { email: string; role: string };
      csrfToken: string;
    };
    expect(who.user).toMatchObject({ email: 'q.person@hospital.test', role: 'quality' });
    // The session is the normal one: quality may read metrics, may not administer.
    expect((await fetch(`${api}/v1/users`, { headers: { cookie } })).status).toBe(403);
    const users = (await (await admin('GET', '/v1/users')).json()) as { items: { email: string; role: string; sso: boolean }[] };
    expect(users.items.find((u) => u.email === 'q.person@hospital.test')).toMatchObject({ role: 'quality', sso: true });
    const actions = (await h.deps.store.audit.list(tenantId, { limit: 20 })).map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['user.sso_provisioned', 'auth.sign_in']));
    // The code and state were single-use: replaying the callback is refused.
    const replay = await callback(back, binding);
    expect(replay.headers.get('location')).toBe('/sign-in?sso_error=SSO_STATE_INVALID');
  });

  it('refuses a person none of whose groups maps to a role (default deny), with a clear reason', async () => {
    const { authUrl, binding } = await start();
    const res = await callback(await idp.signInHttp(authUrl, 'no.group'), binding);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/sign-in?sso_error=SSO_NO_ROLE');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('embolus_session='))).toBe(false);
    expect(await h.deps.store.users.byEmail('no.group@hospital.test')).toBeNull();
    const refused = await h.deps.store.audit.list(tenantId, { action: 'auth.sso_refused', limit: 1 });
    expect(refused[0]?.detail).toMatchObject({ reason: 'SSO_NO_ROLE', claim: 'groups' });
    expect(JSON.stringify(refused[0]?.detail)).not.toContain('no.group');
  });

  it('refuses a tampered state, and a callback arriving in another browser', async () => {
    const { authUrl, binding } = await start();
    const back = await idp.signInHttp(authUrl, 'q.person');
    const tampered = new URL(back);
    tampered.searchParams.set('state', `${back.searchParams.get('state')}x`);
    const res = await callback(tampered, binding);
    expect(res.headers.get('location')).toBe('/sign-in?sso_error=SSO_STATE_INVALID');
    expect(res.headers.getSetCookie().some((c) => c.startsWith('embolus_session='))).toBe(false);

    const other = await start();
    const back2 = await idp.signInHttp(other.authUrl, 'q.person');
    const stranger = await callback(back2, 'embolus_oidc=someone-elses-browser');
    expect(stranger.headers.get('location')).toBe('/sign-in?sso_error=SSO_STATE_INVALID');
  });

  it('a disabled person cannot sign in through the IdP either, and an unconfigured tenant is refused', async () => {
    const u = await h.deps.store.users.byEmail('q.person@hospital.test');
    await h.deps.store.users.update(tenantId, u!.id, { disabled: true });
    const { authUrl, binding } = await start();
    expect((await callback(await idp.signInHttp(authUrl, 'q.person'), binding)).headers.get('location')).toBe(
      '/sign-in?sso_error=SSO_USER_DISABLED',
    );
    await h.deps.store.users.update(tenantId, u!.id, { disabled: false });
    const other = await h.deps.store.tenants.ensure('no-sso');
    const res = await fetch(`${api}/v1/auth/oidc/${other.id}/start`, { redirect: 'manual' });
    expect(res.headers.get('location')).toBe('/sign-in?sso_error=SSO_NOT_CONFIGURED');
  });
});

describe('starting sign-ins', () => {
  it('is rate-limited per client address (each start stores a pending sign-in)', async () => {
    const locations: string[] = [];
    for (let i = 0; i < 40; i++)
      locations.push((await fetch(`${api}/v1/auth/oidc/${tenantId}/start`, { redirect: 'manual' })).headers.get('location') ?? '');
    expect(locations[0]?.startsWith(idp.issuer)).toBe(true);
    expect(locations.at(-1)).toBe('/sign-in?sso_error=RATE_LIMITED');
  });
});

describe('group rules', () => {
  it('take the first mapped group in table order; dotted claims reach nested objects', () => {
    const map = [
      { group: 'pe-admin', role: 'admin' as const },
      { group: 'pe-quality', role: 'quality' as const },
    ];
    expect(roleForGroups(['pe-quality', 'pe-admin'], map)).toBe('admin');
    expect(roleForGroups(['x'], map)).toBeNull();
    expect(roleForGroups([], [])).toBeNull();
    expect(groupsOf({ realm_access: { roles: ['a', 1, 'b'] } }, 'realm_access.roles')).toEqual(['a', 'b']);
    expect(groupsOf({ groups: 'solo' }, 'groups')).toEqual(['solo']);
    expect(groupsOf({}, 'groups')).toEqual([]);
  });
});
