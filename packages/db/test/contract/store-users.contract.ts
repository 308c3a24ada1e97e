/**
 * Contract suite, dashboard users and sessions: unique emails (normalised), sessions resolved by
 * token only while live, hashed tokens, revocation, pruning. Run against every driver.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { newId, sha256Hex, type Store } from '../../src/index';
import { tenant, type StoreUnderTest, type TestClock } from './fixtures';

const HOUR = 3_600_000;

export function storeUsersContract(name: string, open: () => Promise<StoreUnderTest>): void {
  describe(`store contract (users and sessions): ${name}`, () => {
    let store: Store;
    let clock: TestClock;
    beforeAll(async () => {
      ({ store, clock } = await open());
    });
    const email = () => `u-${newId()}@Example.test`;

    it('keeps emails unique across tenants, stored lower-cased, and lists users without hashes', async () => {
      const [a, b] = [await tenant(store), await tenant(store)];
      const e = email();
      const u = await store.users.create({ tenantId: a, email: ` ${e} `, role: 'quality', passwordHash: 'scrypt$h' });
      expect(u.email).toBe(e.toLowerCase());
      await expect(store.users.create({ tenantId: b, email: e.toUpperCase(), role: 'admin', passwordHash: 'x' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await expect(
        store.users.create({ tenantId: 'no-such-tenant', email: email(), role: 'admin', passwordHash: 'x' }),
      ).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect((await store.users.byEmail(e))?.passwordHash).toBe('scrypt$h');
      const listed = await store.users.list(a);
      expect(listed.map((x) => x.email)).toEqual([e.toLowerCase()]);
      expect(JSON.stringify(listed)).not.toContain('scrypt');
      expect(await store.users.list(b)).toEqual([]);
    });

    it('resolves a session by its token only (stored as SHA-256) until revoked, with its user and role', async () => {
      const t = await tenant(store);
      const u = await store.users.create({ tenantId: t, email: email(), role: 'clinician', passwordHash: 'x' });
      const s = await store.sessions.create({ userId: u.id, tenantId: t, ttlMs: 12 * HOUR });
      expect(s.token).toMatch(/^ems_[A-Za-z0-9_-]{43}$/);
      expect(await store.driver.select('SELECT token_hash FROM sessions WHERE id = ?', [s.sessionId])).toEqual([
        { token_hash: await sha256Hex(s.token) },
      ]);
      expect(await store.sessions.resolve(s.token)).toMatchObject({
        sessionId: s.sessionId,
        userId: u.id,
        tenantId: t,
        role: 'clinician',
        expiresAt: clock.now() + 12 * HOUR,
      });
      expect(await store.sessions.resolve(`ems_${'A'.repeat(43)}`)).toBeNull();
      expect(await store.sessions.resolve('not a token')).toBeNull();
      clock.advance(1000);
      await store.sessions.touch(s.sessionId);
      expect((await store.sessions.resolve(s.token))?.lastSeenAt).toBe(clock.now());
      expect(await store.sessions.revoke(s.sessionId)).toBe(true);
      expect(await store.sessions.revoke(s.sessionId)).toBe(false);
      expect(await store.sessions.resolve(s.token)).toBeNull();
    });

    it('revokes every session of a user whose password changes', async () => {
      const t = await tenant(store);
      const u = await store.users.create({ tenantId: t, email: email(), role: 'admin', passwordHash: 'old' });
      const s = await store.sessions.create({ userId: u.id, tenantId: t, ttlMs: HOUR });
      expect(await store.users.setPasswordHash(await tenant(store), u.id, 'new')).toBe(false);
      expect(await store.sessions.resolve(s.token)).not.toBeNull();
      expect(await store.users.setPasswordHash(t, u.id, 'new')).toBe(true);
      expect(await store.sessions.resolve(s.token)).toBeNull();
    });

    it('prunes sessions that ended before the cutoff and keeps live ones', async () => {
      const t = await tenant(store);
      const u = await store.users.create({ tenantId: t, email: email(), role: 'admin', passwordHash: 'x' });
      const old = await store.sessions.create({ userId: u.id, tenantId: t, ttlMs: HOUR });
      clock.advance(2 * HOUR);
      const live = await store.sessions.create({ userId: u.id, tenantId: t, ttlMs: HOUR });
      await store.sessions.prune(clock.now() - HOUR / 2);
      const left = (await store.driver.select('SELECT id FROM sessions WHERE user_id = ?', [u.id])).map((r) => r['id']);
      expect(left).toEqual([live.sessionId]);
      expect(left).not.toContain(old.sessionId);
    });
  });
}
