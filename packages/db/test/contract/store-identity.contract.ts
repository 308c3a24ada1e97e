/**
 * Contract suite, administration and single sign-on (issue 18): one-time set-password links,
 * user role/disable changes, IdP configuration, pending OIDC sign-ins, webhook redelivery and
 * the audit filters. Run against every driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId, sha256Hex, type Store } from '../../src/index';
import { tenant, type StoreUnderTest, type TestClock } from './fixtures';

const HOUR = 3_600_000;

export function storeIdentityContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (administration, sso): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });
    const email = () => `a-${newId()}@example.test`;

    it('uses a set-password link once, before it expires, and a new link voids the old one', async () => {
      const t = await tenant(store);
      const u = await store.users.create({ tenantId: t, email: email(), role: 'clinician', passwordHash: '!none' });
      const first = await store.passwordTokens.issue({ userId: u.id, tenantId: t, purpose: 'invite', createdBy: 'user:x', ttlMs: HOUR });
      const second = await store.passwordTokens.issue({ userId: u.id, tenantId: t, purpose: 'reset', createdBy: 'user:x', ttlMs: HOUR });
      expect(await store.passwordTokens.consume(first.token)).toBeNull();
      expect(await store.driver.select('SELECT token_hash FROM password_tokens WHERE user_id = ? AND used_at IS NULL', [u.id])).toEqual([
        { token_hash: await sha256Hex(second.token) },
      ]);
      expect(await store.passwordTokens.consume(second.token)).toEqual({ userId: u.id, tenantId: t, purpose: 'reset' });
      expect(await store.passwordTokens.consume(second.token)).toBeNull();
      const late = await store.passwordTokens.issue({ userId: u.id, tenantId: t, purpose: 'reset', createdBy: 'user:x', ttlMs: HOUR });
      clock.advance(HOUR);
      expect(await store.passwordTokens.consume(late.token)).toBeNull();
      expect(await store.passwordTokens.consume('emp_not-a-token')).toBeNull();
    });

    it('changes a role, and disabling revokes the sessions at once; other tenants cannot', async () => {
      const t = await tenant(store);
      const u = await store.users.create({ tenantId: t, email: email(), role: 'clinician', passwordHash: 'x' });
      const s = await store.sessions.create({ userId: u.id, tenantId: t, ttlMs: HOUR });
      expect(await store.users.update(await tenant(store), u.id, { disabled: true })).toBeNull();
      expect((await store.users.update(t, u.id, { role: 'quality' }))?.role).toBe('quality');
      expect((await store.sessions.resolve(s.token))?.role).toBe('quality');
      expect((await store.users.update(t, u.id, { disabled: true }))?.disabledAt).toBe(clock.now());
      expect(await store.sessions.resolve(s.token)).toBeNull();
      expect((await store.users.update(t, u.id, { disabled: false }))?.disabledAt).toBeNull();
      // Enabling again does not bring revoked sessions back.
      expect(await store.sessions.resolve(s.token)).toBeNull();
    });

    it('stores an IdP per tenant, links users by subject, and takes a pending sign-in once', async () => {
      const t = await tenant(store);
      const p = {
        tenantId: t,
        displayName: 'Hospital IdP',
        issuer: 'https://idp.example',
        clientId: 'c',
        clientSecret: 'v1.a.b',
        scopes: 'openid email',
        groupClaim: 'groups',
        roleMap: [{ group: 'g', role: 'quality' as const }],
        enabled: true,
        updatedBy: 'user:x',
      };
      await store.oidc.put(p);
      await store.oidc.put({ ...p, displayName: 'Renamed' });
      expect(await store.oidc.get(t)).toMatchObject({ displayName: 'Renamed', roleMap: [{ group: 'g', role: 'quality' }] });
      expect((await store.oidc.listEnabled()).filter((x) => x.tenantId === t)).toEqual([{ tenantId: t, displayName: 'Renamed' }]);
      const subject = `https://idp.example ${newId()}`;
      const u = await store.users.create({ tenantId: t, email: email(), role: 'quality', passwordHash: '!none', oidcSubject: subject });
      expect((await store.users.byOidcSubject(subject))?.id).toBe(u.id);
      await expect(
        store.users.create({ tenantId: t, email: email(), role: 'quality', passwordHash: '!none', oidcSubject: subject }),
      ).rejects.toMatchObject({ code: 'CONFLICT' });
      const login = { tenantId: t, browserHash: 'b', codeVerifier: 'v', nonce: 'n', nextPath: '/', expiresAt: clock.now() + 600_000 };
      await store.oidc.startLogin('state-1', login);
      expect(await store.oidc.takeLogin('state-2')).toBeNull();
      expect(await store.oidc.takeLogin('state-1')).toEqual(login);
      expect(await store.oidc.takeLogin('state-1')).toBeNull();
      await store.oidc.startLogin('state-3', login);
      clock.advance(600_000);
      expect(await store.oidc.takeLogin('state-3')).toBeNull();
    });

    it('redelivers a webhook delivery as a new pending one, and filters the audit log by actor and time', async () => {
      const t = await tenant(store);
      const { webhook } = await store.webhooks.create(t, { url: 'https://h.example/x', events: ['study.result'] });
      const id = newId();
      await store.driver.execute(
        'INSERT INTO webhook_deliveries (id, tenant_id, webhook_id, event, payload, status, attempts, next_attempt_at, log, created_at) ' +
          "VALUES (?, ?, ?, 'study.result', '{\"a\":1}', 'failed', 5, 0, '[]', 0)",
        [id, t, webhook.id],
      );
      expect(await store.webhooks.redeliver(await tenant(store), webhook.id, id)).toBeNull();
      const again = await store.webhooks.redeliver(t, webhook.id, id);
      expect(again).toMatchObject({ status: 'pending', attempts: 0, payload: '{"a":1}', nextAttemptAt: clock.now() });
      expect(again?.id).not.toBe(id);
      await store.webhooks.deactivate(t, webhook.id);
      await expect(store.webhooks.redeliver(t, webhook.id, id)).rejects.toMatchObject({ code: 'INVALID_STATE' });

      const t0 = clock.now();
      await store.audit.write({ tenantId: t, keyId: 'user:a', role: 'admin', action: 'x.one' });
      clock.advance(1000);
      await store.audit.write({ tenantId: t, keyId: 'user:b', role: 'admin', action: 'x.two' });
      expect((await store.audit.list(t, { keyId: 'user:a', limit: 10 })).map((r) => r.action)).toEqual(['x.one']);
      expect((await store.audit.list(t, { from: t0 + 1, limit: 10 })).map((r) => r.action)).toEqual(['x.two']);
      expect((await store.audit.list(t, { to: t0 + 1, limit: 10 })).map((r) => r.action)).toEqual(['x.one']);
    });
  });
}
