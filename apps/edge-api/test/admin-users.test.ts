/**
 * Administration (issue 18): invitations and one-time set-password links, role changes,
 * disable/enable ending sessions at once, password resets, API keys shown once, webhook
 * redelivery, the audit log's filters and its injection-safe CSV export, and the admin role
 * required for all of it.
 */
import type { UserRole } from '@embolus/db';
import { csvCell } from '@embolus/shared';
import { afterAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../src/auth/password';
import { dispatchWebhooks } from '../src/webhooks/dispatch';
import { errorOf, harness } from './helpers/harness';

const h = harness({ EMBOLUS_SIGNIN_ATTEMPTS_PER_MINUTE: '1000', EMBOLUS_PUBLIC_BASE_URL: 'https://embolus.example' });
afterAll(() => h.close());

const PASSWORD = 'correct horse battery';
const ORIGIN = 'http://localhost';

async function user(tenant: string, email: string, role: UserRole, password = PASSWORD) {
  const t = await h.deps.store.tenants.ensure(tenant);
  return h.deps.store.users.create({ tenantId: t.id, email, role, passwordHash: await hashPassword(password) });
}

/** Signs in; returns a caller sending the cookie and CSRF token, or the failed response. */
async function signIn(email: string, password = PASSWORD) {
  const res = await h.app.request('/v1/auth/sign-in', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ email, password }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const csrf = res.status === 200 ? ((await res.clone().json()) as { csrfToken: string }).csrfToken : '';
  const call = (method: string, p: string, json?: unknown) =>
    h.app.request(p, {
      method,
      headers: { cookie, origin: ORIGIN, 'x-csrf-token': csrf, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    });
  return { res, call };
}

const setPassword = (token: string, password: string) =>
  h.app.request('/v1/auth/set-password', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: ORIGIN },
    body: JSON.stringify({ token, password }),
  });
const tokenOf = (url: string) => new URL(url).hash.replace(/^#token=/, '');

describe('users: invite, roles, disable, reset', () => {
  it('invites with a one-time link that sets the password once; the invitee then signs in', async () => {
    await user('hosp', 'admin@hosp.test', 'admin');
    const admin = await signIn('admin@hosp.test');
    const res = await admin.call('POST', '/v1/users/invite', { email: 'New.Doc@hosp.test', role: 'clinician' });
    expect(res.status).toBe(201);
    const body = (await res.json()) as {
      user: { id: string; email: string; role: string };
      invite: { setPasswordUrl: string; expiresAt: string };
    };
    expect(body.user).toMatchObject({ email: 'new.doc@hosp.test', role: 'clinician' });
    expect(body.invite.setPasswordUrl).toMatch(/^https:\/\/embolus\.example\/set-password#token=emp_[A-Za-z0-9_-]{32}$/);
    // Before the link is used no password works (not even an empty or guessed one).
    expect((await signIn('new.doc@hosp.test', '!none')).res.status).toBe(401);
    expect((await signIn('new.doc@hosp.test', 'anything at all')).res.status).toBe(401);
    const token = tokenOf(body.invite.setPasswordUrl);
    expect((await setPassword(token, 'short')).status).toBe(400);
    const set = await setPassword(token, 'a new long password');
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ email: 'new.doc@hosp.test' });
    expect((await setPassword(token, 'another long password')).status).toBe(401);
    expect((await signIn('new.doc@hosp.test', 'a new long password')).res.status).toBe(200);
    // The token is stored hashed only.
    expect(JSON.stringify(await h.deps.store.driver.select('SELECT * FROM password_tokens', []))).not.toContain(token);
    const actions = await h.deps.store.audit.list((await h.deps.store.tenants.ensure('hosp')).id, { limit: 50 });
    const invite = actions.find((a) => a.action === 'user.invite');
    expect(invite?.keyId).toMatch(/^user:/);
    expect(invite?.detail).toMatchObject({ userId: body.user.id, role: 'clinician' });
    expect(actions.find((a) => a.action === 'user.password_set')?.keyId).toBe(`user:${body.user.id}`);
    // An email already taken is a clear 409.
    expect((await admin.call('POST', '/v1/users/invite', { email: 'new.doc@hosp.test', role: 'quality' })).status).toBe(409);
  });

  it('changes a role (effective on the live session), and disabling ends sessions at once', async () => {
    const u = await user('hosp', 'q@hosp.test', 'clinician');
    const admin = await signIn('admin@hosp.test');
    const q = await signIn('q@hosp.test');
    expect((await q.call('GET', '/v1/metrics/cohort?label=pe_present')).status).toBe(403);
    const changed = await admin.call('PATCH', `/v1/users/${u.id}`, { role: 'quality' });
    expect(changed.status).toBe(200);
    await expect(
      ((await q.call('GET', '/v1/auth/session')).json() as Promise<{ user: { role: string } }>).then((b) => b.user.role),
    ).resolves.toBe('quality');
    expect((await admin.call('PATCH', `/v1/users/${u.id}`, { disabled: true })).status).toBe(200);
    expect((await q.call('GET', '/v1/auth/session')).status).toBe(401);
    expect((await signIn('q@hosp.test')).res.status).toBe(401);
    const enabled = await admin.call('PATCH', `/v1/users/${u.id}`, { disabled: false });
    expect(((await enabled.json()) as { disabledAt: string | null }).disabledAt).toBeNull();
    expect((await signIn('q@hosp.test')).res.status).toBe(200);
    const tenantId = (await h.deps.store.tenants.ensure('hosp')).id;
    const actions = (await h.deps.store.audit.list(tenantId, { limit: 50 }))
      .filter((a) => (a.detail as { userId?: string } | null)?.userId === u.id)
      .map((a) => a.action);
    expect(actions).toEqual(expect.arrayContaining(['user.role_change', 'user.disable', 'user.enable']));
    // An admin cannot lock themselves out; another tenant's user is not found; a bad body is 400.
    const me = (await (await admin.call('GET', '/v1/auth/session')).json()) as { user: { id: string } };
    expect(await errorOf(await admin.call('PATCH', `/v1/users/${me.user.id}`, { disabled: true }))).toMatchObject({ code: 'CONFLICT' });
    const other = await user('elsewhere', 'x@elsewhere.test', 'clinician');
    expect((await admin.call('PATCH', `/v1/users/${other.id}`, { role: 'admin' })).status).toBe(404);
    expect((await admin.call('PATCH', `/v1/users/${u.id}`, {})).status).toBe(400);
  });

  it('reset: the old password stops working, sessions end, and the new link sets a password', async () => {
    const u = await user('hosp', 'reset@hosp.test', 'clinician');
    const admin = await signIn('admin@hosp.test');
    const victim = await signIn('reset@hosp.test');
    const res = await admin.call('POST', `/v1/users/${u.id}/reset`);
    expect(res.status).toBe(200);
    const link = ((await res.json()) as { reset: { setPasswordUrl: string } }).reset.setPasswordUrl;
    expect((await victim.call('GET', '/v1/auth/session')).status).toBe(401);
    expect((await signIn('reset@hosp.test')).res.status).toBe(401);
    // A second reset voids the first link.
    const second = ((await (await admin.call('POST', `/v1/users/${u.id}/reset`)).json()) as { reset: { setPasswordUrl: string } }).reset
      .setPasswordUrl;
    expect((await setPassword(tokenOf(link), 'replacement password')).status).toBe(401);
    expect((await setPassword(tokenOf(second), 'replacement password')).status).toBe(200);
    expect((await signIn('reset@hosp.test', 'replacement password')).res.status).toBe(200);
    // Links expire.
    const third = ((await (await admin.call('POST', `/v1/users/${u.id}/reset`)).json()) as { reset: { setPasswordUrl: string } }).reset
      .setPasswordUrl;
    h.clock.advance(86_400_001);
    expect((await setPassword(tokenOf(third), 'too late password')).status).toBe(401);
  });

  it('is admin-only, by session and by key', async () => {
    await user('hosp', 'doc@hosp.test', 'clinician');
    const doc = await signIn('doc@hosp.test');
    for (const [method, p, json] of [
      ['GET', '/v1/users', undefined],
      ['POST', '/v1/users/invite', { email: 'z@hosp.test', role: 'admin' }],
      ['PATCH', '/v1/users/x', { role: 'admin' }],
      ['POST', '/v1/users/x/reset', undefined],
      ['GET', '/v1/keys', undefined],
      ['GET', '/v1/audit', undefined],
      ['GET', '/v1/audit/export.csv', undefined],
      ['GET', '/v1/tenant/sso', undefined],
    ] as const) {
      const res = await doc.call(method, p, json);
      expect(res.status, `${method} ${p}`).toBe(403);
      expect((await errorOf(res)).code).toBe('FORBIDDEN');
    }
    const quality = await h.key('hosp', 'quality');
    expect((await h.request('GET', '/v1/audit/export.csv', { key: quality })).status).toBe(403);
  });
});

describe('API keys', () => {
  it('shows a created key once, lists prefixes only, and a revoked key stops working', async () => {
    const admin = await signIn('admin@hosp.test');
    const created = (await (await admin.call('POST', '/v1/keys', { role: 'partner', label: 'lab' })).json()) as {
      id: string;
      key: string;
      prefix: string;
    };
    expect(created.key.startsWith(created.prefix)).toBe(true);
    const listed = await (await admin.call('GET', '/v1/keys')).text();
    expect(listed).toContain(created.id);
    expect(listed).not.toContain(created.key);
    expect((await h.request('GET', '/v1/webhooks', { key: created.key })).status).toBe(200);
    expect((await admin.call('DELETE', `/v1/keys/${created.id}`)).status).toBe(204);
    expect((await h.request('GET', '/v1/webhooks', { key: created.key })).status).toBe(401);
  });
});

describe('webhook redelivery', () => {
  it('queues a failed delivery again as a new delivery that is sent, and audits it', async () => {
    const admin = await h.key('hooks', 'admin');
    const hook = (await (
      await h.request('POST', '/v1/webhooks', { key: admin, json: { url: 'https://partner.example/hook' } })
    ).json()) as { id: string };
    const tenantId = (await h.deps.store.tenants.ensure('hooks')).id;
    const id = 'd-original';
    await h.deps.store.driver.execute(
      'INSERT INTO webhook_deliveries ' +
        '(id, tenant_id, webhook_id, event, payload, status, attempts, next_attempt_at, last_status, last_error, log, created_at) ' +
        "VALUES (?, ?, ?, 'study.result', '{\"n\":1}', 'failed', 8, 0, 500, 'HTTP 500', '[]', 0)",
      [id, tenantId, hook.id],
    );
    expect((await h.request('POST', `/v1/webhooks/${hook.id}/deliveries/nope/redeliver`, { key: admin })).status).toBe(404);
    const res = await h.request('POST', `/v1/webhooks/${hook.id}/deliveries/${id}/redeliver`, { key: admin });
    expect(res.status).toBe(202);
    const again = (await res.json()) as { id: string; status: string; attempts: number };
    expect(again).toMatchObject({ status: 'pending', attempts: 0 });
    h.hooks.sent.length = 0;
    h.hooks.status = 200;
    await dispatchWebhooks(h.deps);
    expect(h.hooks.sent.map((s) => s.body)).toEqual(['{"n":1}']);
    const list = (await (await h.request('GET', `/v1/webhooks/${hook.id}/deliveries`, { key: admin })).json()) as {
      items: { id: string; status: string }[];
    };
    expect(list.items.find((d) => d.id === again.id)?.status).toBe('delivered');
    expect(list.items.find((d) => d.id === id)?.status).toBe('failed');
    const audit = await h.deps.store.audit.list(tenantId, { action: 'webhook.redeliver', limit: 5 });
    expect(audit[0]?.detail).toMatchObject({ webhookId: hook.id, deliveryId: id, newDeliveryId: again.id });
    // A clinician key may not; another tenant's admin gets 404.
    expect(
      (await h.request('POST', `/v1/webhooks/${hook.id}/deliveries/${id}/redeliver`, { key: await h.key('hooks', 'clinician') })).status,
    ).toBe(403);
    expect(
      (await h.request('POST', `/v1/webhooks/${hook.id}/deliveries/${id}/redeliver`, { key: await h.key('other', 'admin') })).status,
    ).toBe(404);
  });
});

describe('audit log', () => {
  it('filters by action, actor and time range, pages by cursor, and exports the same as safe CSV', async () => {
    const admin = await h.key('auditco', 'admin');
    const tenantId = (await h.deps.store.tenants.ensure('auditco')).id;
    const t0 = h.clock.now();
    for (let i = 0; i < 7; i++) {
      await h.deps.store.audit.write({
        tenantId,
        keyId: i % 2 ? 'user:b' : 'user:a',
        role: 'admin',
        action: 'demo.action',
        studyId: null,
        detail: { i, note: i === 3 ? '=HYPERLINK("http://evil.example")' : 'ok' },
      });
      h.clock.advance(1000);
    }
    await h.deps.store.audit.write({ tenantId, keyId: '@evil', role: null, action: '+cmd', detail: null });
    const page = async (q: string) =>
      (await (await h.request('GET', `/v1/audit?${q}`, { key: admin })).json()) as {
        items: { id: number; keyId: string }[];
        nextBefore: number | null;
      };
    const first = await page('action=demo.action&actor=user:a&limit=2');
    expect(first.items.map((r) => r.keyId)).toEqual(['user:a', 'user:a']);
    const second = await page(`action=demo.action&actor=user:a&limit=2&before=${first.nextBefore}`);
    expect(second.items).toHaveLength(2);
    expect(second.items[0]!.id).toBeLessThan(first.items[1]!.id);
    const ranged = await page(`action=demo.action&from=${new Date(t0 + 2000).toISOString()}&to=${new Date(t0 + 4000).toISOString()}`);
    expect(ranged.items).toHaveLength(2);
    expect(
      (await h.request('GET', `/v1/audit?from=${new Date(t0 + 4000).toISOString()}&to=${new Date(t0).toISOString()}`, { key: admin }))
        .status,
    ).toBe(400);

    const csv = await h.request('GET', '/v1/audit/export.csv?action=demo.action&actor=user:b', { key: admin });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="embolus-audit-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor,role,action,studyId,detail');
    expect(lines).toHaveLength(4);
    // The formula sits inside a JSON cell that starts with '{': quoted, and inert.
    expect(lines.find((l) => l.includes('HYPERLINK'))).toMatch(/,"\{""i"":3,""note"":""=HYPERLINK\(/);
    const all = (await (await h.request('GET', '/v1/audit/export.csv', { key: admin })).text()).split('\r\n');
    const evil = all.find((l) => l.includes('cmd'));
    expect(evil).toContain(`,'@evil,`);
    expect(evil).toContain(`,'+cmd,`);
    // Bounded: past maxRows a last line says the file was cut short.
    const cut = (await (await h.request('GET', '/v1/audit/export.csv?action=demo.action&maxRows=3', { key: admin })).text())
      .trimEnd()
      .split('\r\n');
    expect(cut).toHaveLength(5);
    expect(cut[4]).toContain('export.truncated');
    expect((await h.deps.store.audit.list(tenantId, { action: 'audit.export', limit: 10 })).length).toBe(3);
  });

  it('defuses every formula lead character and quotes per RFC 4180', () => {
    expect(['=1+1', '+1', '-1', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@SUM(A1)", "'\tx", `"'\rx"`]);
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell('a,"b"')).toBe('"a,""b"""');
    expect(csvCell(null)).toBe('');
  });
});
